package dev.panamarnn.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Reads the PyTorch fixtures of java/src/test/resources/optim (format in its README.md). */
public final class OptimFixture {
    private OptimFixture() {}

    public static JsonNode load(String name) {
        try (InputStream in = OptimFixture.class.getResourceAsStream("/optim/" + name)) {
            if (in == null) {
                throw new IllegalStateException("fixture optim/" + name + " is not on the test class path");
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fixture optim/" + name, e);
        }
    }

    public static int[] shape(JsonNode tensor) {
        JsonNode s = tensor.get("shape");
        int[] shape = new int[s.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = s.get(i).asInt();
        }
        return shape;
    }

    /** The data of a {"shape", "data"} tensor, or of a plain number array. */
    public static float[] floats(JsonNode tensorOrArray) {
        JsonNode data = tensorOrArray.has("data") ? tensorOrArray.get("data") : tensorOrArray;
        float[] values = new float[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) data.get(i).doubleValue();
        }
        return values;
    }

    public static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }

    /** An off-heap copy of floats. */
    public static MemorySegment segment(Arena arena, float[] values) {
        MemorySegment s = arena.allocate((long) Math.max(1, values.length) * Float.BYTES, 64);
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_FLOAT, 0, values.length);
        return s.asSlice(0, (long) values.length * Float.BYTES);
    }

    /** An off-heap copy of int32 values. */
    public static MemorySegment intSegment(Arena arena, int[] values) {
        MemorySegment s = arena.allocate(ValueLayout.JAVA_INT, Math.max(1, values.length));
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_INT, 0, values.length);
        return s.asSlice(0, (long) values.length * Integer.BYTES);
    }

    /** A layout with the fixture's named tensors (an object of name -> tensor) in its order. */
    public static Slab.Layout layout(JsonNode tensors) {
        Slab.Layout.Builder b = Slab.Layout.builder();
        tensors.fields().forEachRemaining(e -> b.add(e.getKey(), shape(e.getValue())));
        return b.build();
    }

    /** Copies every named tensor of the fixture into the slab. */
    public static void fill(Slab slab, JsonNode tensors) {
        tensors.fields().forEachRemaining(e -> slab.get(e.getKey()).copyFrom(floats(e.getValue())));
    }

    /** Largest |expected - actual| over every named tensor, with where it is. */
    public static double maxDifference(JsonNode expected, Slab actual, StringBuilder where) {
        double worst = 0;
        var it = expected.fields();
        while (it.hasNext()) {
            var e = it.next();
            float[] want = floats(e.getValue());
            Tensor got = actual.get(e.getKey());
            for (int i = 0; i < want.length; i++) {
                double d = Math.abs((double) want[i] - got.get(i));
                if (Double.isNaN(d) || d > worst) {
                    worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                    where.setLength(0);
                    where.append(e.getKey()).append('[').append(i).append("] expected ").append(want[i])
                            .append(", got ").append(got.get(i));
                }
            }
        }
        return worst;
    }
}
