package dev.panamarnn.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Seeded test data in off-heap segments, and the tolerance rules the tests share. */
public final class TestData {
    public static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** float32 unit roundoff 2^-24. */
    public static final double EPS = 0x1p-24;

    private TestData() {}

    /** n floats uniform in [-scale, scale) from the seed. */
    public static float[] uniform(long seed, int n, double scale) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return values;
    }

    public static MemorySegment segment(Arena arena, float[] values) {
        MemorySegment s = arena.allocate((long) Math.max(values.length, 1) * Float.BYTES, 64);
        MemorySegment.copy(values, 0, s, F, 0, values.length);
        return s.asSlice(0, (long) values.length * Float.BYTES);
    }

    public static float[] array(MemorySegment s) {
        return s.toArray(F);
    }

    /** Largest |a_i - b_i| and where, for failure messages. */
    public static String maxDiff(float[] expected, float[] actual) {
        double worst = -1;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            if (Double.isNaN(d) || d > worst) {
                worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                at = i;
            }
        }
        return at < 0 ? "empty" : "max |diff| " + worst + " at " + at + " (expected " + expected[at] + ", actual " + actual[at] + ")";
    }
}
