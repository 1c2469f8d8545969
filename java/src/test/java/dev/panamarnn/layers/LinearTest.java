package dev.panamarnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.testing.TestData;
import dev.panamarnn.train.OptimFixture;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Linear: forward and backward against nn.Linear (fixture, 4 rows and 1 row, so both the GEMM and
 * the GEMV paths), backward against central finite differences in double, gradients accumulating,
 * the PyTorch initialisation, zero allocation per call, and bad arguments.
 */
class LinearTest {
    static final List<Kernels> KERNELS = KernelsForTests.both();

    static void closeAll(String what, float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tolerance * (1 + Math.abs(expected[i])))) {
                fail(what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i] + "; " + TestData.maxDiff(expected, actual));
            }
        }
    }

    static Slab.Layout layout(int in, int out) {
        Slab.Layout.Builder b = Slab.Layout.builder();
        Linear.addParameters(b, "head.", in, out);
        return b.build();
    }

    @Test
    void matchesNnLinear() {
        for (JsonNode c : OptimFixture.load("linear.json").get("cases")) {
            int in = c.get("in").asInt(), out = c.get("out").asInt(), rows = c.get("rows").asInt();
            for (Kernels k : KERNELS) {
                String who = k.name() + " rows=" + rows;
                try (Slab p = Slab.allocate("p", layout(in, out)); Slab g = Slab.allocate("g", layout(in, out));
                     Arena arena = Arena.ofConfined()) {
                    Linear layer = new Linear(k, p, g, "head.", in, out, 1);
                    layer.weight().copyFrom(OptimFixture.floats(c.get("weight")));
                    layer.bias().copyFrom(OptimFixture.floats(c.get("bias")));
                    MemorySegment x = OptimFixture.segment(arena, OptimFixture.floats(c.get("x")));
                    MemorySegment y = arena.allocate((long) rows * out * 4), dx = arena.allocate((long) rows * in * 4);
                    layer.forward(y, x, rows);
                    closeAll(who + " y", OptimFixture.floats(c.get("y")), TestData.array(y), 1e-6);
                    layer.backward(dx, OptimFixture.segment(arena, OptimFixture.floats(c.get("dy"))), x, rows);
                    closeAll(who + " dweight", OptimFixture.floats(c.get("dweight")), layer.weightGradient().toArray(), 1e-6);
                    closeAll(who + " dbias", OptimFixture.floats(c.get("dbias")), layer.biasGradient().toArray(), 1e-6);
                    closeAll(who + " dx", OptimFixture.floats(c.get("dx")), TestData.array(dx), 1e-6);
                }
            }
        }
    }

    /** loss = sum(wy * (x W^T + b)) in double. */
    static double loss(double[] w, double[] b, double[] x, double[] wy, int rows, int in, int out) {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double y = b[o];
                for (int i = 0; i < in; i++) {
                    y += x[r * in + i] * w[o * in + i];
                }
                sum += wy[r * out + o] * y;
            }
        }
        return sum;
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    static double fd(double[] v, int i, java.util.function.DoubleSupplier f) {
        double saved = v[i], h = 1e-4 * (1 + Math.abs(saved));
        v[i] = saved + h;
        double plus = f.getAsDouble();
        v[i] = saved - h;
        double minus = f.getAsDouble();
        v[i] = saved;
        return (plus - minus) / (2 * h);
    }

    @Test
    void backwardIsTheFiniteDifferenceAndAccumulates() {
        int in = 6, out = 4;
        for (int rows : new int[] {1, 3, 17}) {
            for (Kernels k : KERNELS) {
                try (Slab p = Slab.allocate("p", layout(in, out)); Slab g = Slab.allocate("g", layout(in, out));
                     Arena arena = Arena.ofConfined()) {
                    Linear layer = new Linear(k, p, g, "head.", in, out, 7);
                    float[] xs = TestData.uniform(rows, rows * in, 2), wys = TestData.uniform(rows + 1, rows * out, 1);
                    MemorySegment x = TestData.segment(arena, xs), dy = TestData.segment(arena, wys);
                    MemorySegment dx = arena.allocate((long) rows * in * 4);
                    layer.backward(dx, dy, x, rows);
                    double[] w = toDouble(layer.weight().toArray()), b = toDouble(layer.bias().toArray());
                    double[] xd = toDouble(xs), wy = toDouble(wys);
                    java.util.function.DoubleSupplier f = () -> loss(w, b, xd, wy, rows, in, out);
                    float[] dw = layer.weightGradient().toArray(), db = layer.biasGradient().toArray(), dxs = TestData.array(dx);
                    String who = k.name() + " rows=" + rows;
                    for (int i = 0; i < w.length; i++) {
                        assertEquals(fd(w, i, f), dw[i], 1e-5 * (1 + Math.abs(dw[i])), who + " dW[" + i + "]");
                    }
                    for (int i = 0; i < b.length; i++) {
                        assertEquals(fd(b, i, f), db[i], 1e-5 * (1 + Math.abs(db[i])), who + " db[" + i + "]");
                    }
                    for (int i = 0; i < xd.length; i++) {
                        assertEquals(fd(xd, i, f), dxs[i], 1e-5 * (1 + Math.abs(dxs[i])), who + " dx[" + i + "]");
                    }
                    // a second backward adds into dW and db (BPTT and shared layers need +=), dx is written
                    layer.backward(dx, dy, x, rows);
                    float[] dw2 = layer.weightGradient().toArray(), db2 = layer.biasGradient().toArray();
                    for (int i = 0; i < dw.length; i++) {
                        assertEquals(2 * dw[i], dw2[i], 1e-6 * (1 + Math.abs(dw[i])), who + " dW accumulates");
                    }
                    for (int i = 0; i < db.length; i++) {
                        assertEquals(2 * db[i], db2[i], 1e-6 * (1 + Math.abs(db[i])), who + " db accumulates");
                    }
                    assertArrayEquals(dxs, TestData.array(dx), who + " dx is written, not accumulated");
                    layer.backward(null, dy, x, rows);   // no input gradient wanted
                }
            }
        }
    }

    @Test
    void tensorFormAppliesToEveryTimeStepOrTheLastOnly() {
        int steps = 3, batch = 2, in = 5, out = 4;
        Kernels k = KernelsForTests.nativeKernels();
        try (Slab p = Slab.allocate("p", layout(in, out)); Slab g = Slab.allocate("g", layout(in, out)); Arena arena = Arena.ofConfined()) {
            Linear layer = new Linear(k, p, g, "head.", in, out, 3);
            Tensor x = Tensor.allocate(arena, steps, batch, in).copyFrom(TestData.uniform(4, steps * batch * in, 1));
            Tensor all = Tensor.allocate(arena, steps, batch, out), last = Tensor.allocate(arena, batch, out);
            layer.forward(all, x);                      // T*B rows
            layer.forward(last, x.slice(steps - 1));    // the last step's B rows
            assertArrayEquals(all.slice(steps - 1).toArray(), last.toArray());
            var e = assertThrows(IllegalArgumentException.class, () -> layer.forward(last, x));
            assertTrue(e.getMessage().contains("with the same N"), e.getMessage());
        }
    }

    @Test
    void initialisationIsPyTorchsUniformAndSeeded() {
        int in = 50, out = 40;
        Kernels k = KernelsForTests.java();
        try (Slab p = Slab.allocate("p", layout(in, out)); Slab g = Slab.allocate("g", layout(in, out))) {
            Linear a = new Linear(k, p, g, "head.", in, out, 42);
            float[] w = a.weight().toArray(), b = a.bias().toArray();
            double bound = 1 / Math.sqrt(in), max = 0;
            for (float v : w) {
                max = Math.max(max, Math.abs(v));
            }
            for (float v : b) {
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max <= bound && max > 0.95 * bound, "U(-1/sqrt(in), 1/sqrt(in)): max |v| " + max + ", bound " + bound);
            a.initialise(42);
            assertArrayEquals(w, a.weight().toArray(), "same seed, same values");
            a.initialise(43);
            assertFalse(java.util.Arrays.equals(w, a.weight().toArray()), "another seed, other values");
            assertEquals(0f, g.get("head.weight").get(0), "gradients start at zero");
        }
    }

    @Test
    void forwardAndBackwardAllocateNothing() {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int in = 32, out = 16, rows = 64;
        try (Slab p = Slab.allocate("p", layout(in, out)); Slab g = Slab.allocate("g", layout(in, out)); Arena arena = Arena.ofConfined()) {
            Linear layer = new Linear(KernelsForTests.nativeKernels(), p, g, "head.", in, out, 1);
            MemorySegment x = arena.allocate((long) rows * in * 4), y = arena.allocate((long) rows * out * 4);
            MemorySegment dx = arena.allocate((long) rows * in * 4);
            MemorySegment y1 = y.asSlice(0, out * 4L), x1 = x.asSlice(0, in * 4L);   // one row: the GEMV path
            long thread = Thread.currentThread().threadId();
            long perCall = Long.MAX_VALUE;
            for (int round = 0; round < 5 && perCall > 0; round++) {   // warm-up rounds let the JIT remove boxing
                long before = bean.getThreadAllocatedBytes(thread);
                for (int i = 0; i < 2000; i++) {
                    layer.forward(y, x, rows);
                    layer.backward(dx, y, x, rows);
                    layer.forward(y1, x1, 1);
                }
                perCall = (bean.getThreadAllocatedBytes(thread) - before) / 2000;
            }
            assertTrue(perCall < 16, "forward + backward allocate " + perCall + " bytes per call");
        }
    }

    @Test
    void badArgumentsAreRejected() {
        Kernels k = KernelsForTests.java();
        try (Slab p = Slab.allocate("p", layout(5, 3)); Slab g = Slab.allocate("g", layout(5, 3)); Arena arena = Arena.ofConfined()) {
            var e = assertThrows(IllegalArgumentException.class, () -> new Linear(k, p, g, "head.", 3, 5, 1));
            assertTrue(e.getMessage().contains("'head.weight' in slab 'p' must have shape [5, 3], got [3, 5]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new Linear(k, p, g, "tail.", 5, 3, 1));
            assertTrue(e.getMessage().contains("has no tensor 'tail.weight'"), e.getMessage());
            Linear layer = new Linear(k, p, g, "head.", 5, 3, 1);
            MemorySegment x = arena.allocate(4 * 5 * 4), y = arena.allocate(4 * 3 * 4);
            e = assertThrows(IllegalArgumentException.class, () -> layer.forward(y, x, 5));
            assertTrue(e.getMessage().contains("x (N, in) needs 25 elements"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> layer.forward(x.asSlice(8), x, 2));
            assertTrue(e.getMessage().contains("must not overlap"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> layer.backward(y, y, x, 2));
            assertTrue(e.getMessage().contains("dx (N, in) and dy (N, out) must not overlap"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> layer.forward(y, x, -1));
            assertTrue(e.getMessage().contains("rows must be >= 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> layer.forward(MemorySegment.ofArray(new float[12]), x, 4));
            assertTrue(e.getMessage().contains("off-heap"), e.getMessage());
            p.close();
            assertThrows(IllegalStateException.class, () -> layer.forward(y, x, 4));
        }
    }
}
