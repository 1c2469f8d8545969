package dev.panamarnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.testing.TestData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * SoftmaxCrossEntropy and MeanSquaredError: against PyTorch (F.cross_entropy with ignore_index,
 * F.mse_loss) on the committed fixture, against hand-computed values, against central finite
 * differences of a double-precision loss, masked rows contributing nothing, and bad input.
 */
class LossTest {
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    static final List<Kernels> KERNELS = KernelsForTests.both();

    static void close(String what, double expected, double actual, double tolerance) {
        if (!(Math.abs(expected - actual) <= tolerance)) {
            fail(what + ": expected " + expected + ", got " + actual + ", |diff| " + Math.abs(expected - actual) + " > " + tolerance);
        }
    }

    static void closeAll(String what, float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            close(what + "[" + i + "]", expected[i], actual[i], tolerance);
        }
    }

    // ---------------------------------------------------------------- cross-entropy

    @Test
    void crossEntropyMatchesPyTorch() {
        JsonNode ce = OptimFixture.load("losses.json").get("cross_entropy");
        float[] logits = OptimFixture.floats(ce.get("logits"));
        int[] targets = OptimFixture.ints(ce.get("targets"));
        float[] mask = OptimFixture.floats(ce.get("mask"));
        int rows = targets.length, vocab = logits.length / rows;
        for (Kernels k : KERNELS) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = OptimFixture.segment(arena, logits), t = OptimFixture.intSegment(arena, targets);
                MemorySegment d = arena.allocate((long) logits.length * 4), perRow = arena.allocate((long) rows * 4);
                double loss = SoftmaxCrossEntropy.forwardBackward(k, d, perRow, x, t, null, rows, vocab);
                close(k.name() + " loss", ce.get("loss").doubleValue(), loss, 1e-6);
                closeAll(k.name() + " dlogits", OptimFixture.floats(ce.get("dlogits")), TestData.array(d), 1e-7);
                closeAll(k.name() + " row losses", OptimFixture.floats(ce.get("row_losses")), TestData.array(perRow), 2e-6);
                // ignore_index rows = mask 0; a masked row's target may be anything
                MemorySegment ignored = OptimFixture.intSegment(arena, targets);
                for (int n = 0; n < rows; n++) {
                    if (mask[n] == 0) {
                        ignored.setAtIndex(ValueLayout.JAVA_INT, n, -100);
                    }
                }
                loss = SoftmaxCrossEntropy.forwardBackward(k, d, x, ignored, OptimFixture.segment(arena, mask), rows, vocab);
                close(k.name() + " masked loss", ce.get("masked_loss").doubleValue(), loss, 1e-6);
                closeAll(k.name() + " masked dlogits", OptimFixture.floats(ce.get("masked_dlogits")), TestData.array(d), 1e-7);
                close(k.name() + " forward only", ce.get("masked_loss").doubleValue(),
                        SoftmaxCrossEntropy.forward(k, x, ignored, OptimFixture.segment(arena, mask), rows, vocab), 1e-6);
            }
        }
    }

    @Test
    void crossEntropyHandValues() {
        // uniform logits over V classes: loss ln V, gradient (1/V - onehot) / N
        // logits (0, ln 3) and target 1: p = (1/4, 3/4), loss ln(4/3), gradient (1/4, -1/4)
        for (Kernels k : KERNELS) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = OptimFixture.segment(arena, new float[] {2, 2, 2, 2, 0, (float) Math.log(3), 0, 0});
                MemorySegment t = OptimFixture.intSegment(arena, new int[] {3, 1});
                MemorySegment d = arena.allocate(32);
                double loss = SoftmaxCrossEntropy.forwardBackward(k, d, x, t, null, 1, 4);   // first row only
                close(k.name() + " ln 4", Math.log(4), loss, 1e-6);
                closeAll(k.name() + " uniform gradient", new float[] {0.25f, 0.25f, 0.25f, -0.75f}, TestData.array(d.asSlice(0, 16)), 1e-7);
                x = OptimFixture.segment(arena, new float[] {0, (float) Math.log(3)});
                loss = SoftmaxCrossEntropy.forwardBackward(k, d, x, OptimFixture.intSegment(arena, new int[] {1}), null, 1, 2);
                close(k.name() + " ln 4/3", Math.log(4.0 / 3), loss, 1e-6);
                closeAll(k.name() + " two-class gradient", new float[] {0.25f, -0.25f}, TestData.array(d.asSlice(0, 8)), 1e-7);
            }
        }
    }

    /** The double-precision masked mean cross-entropy. */
    static double crossEntropy(double[] x, int[] t, float[] mask, int rows, int vocab) {
        double sum = 0, count = 0;
        for (int n = 0; n < rows; n++) {
            if (mask[n] == 0) {
                continue;
            }
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int j = 0; j < vocab; j++) {
                m = Math.max(m, x[n * vocab + j]);
            }
            for (int j = 0; j < vocab; j++) {
                s += Math.exp(x[n * vocab + j] - m);
            }
            sum += mask[n] * (Math.log(s) + m - x[n * vocab + t[n]]);
            count += mask[n];
        }
        return sum / count;
    }

    @Test
    void crossEntropyGradientIsTheFiniteDifferenceAndMaskedRowsContributeNothing() {
        int rows = 5, vocab = 7;
        float[] logits = TestData.uniform(3, rows * vocab, 3);
        int[] targets = {0, 6, 3, 3, 1};
        float[] mask = {1, 0, 1, 0.5f, 1};
        double[] x = new double[logits.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = logits[i];
        }
        for (Kernels k : KERNELS) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment d = arena.allocate((long) logits.length * 4);
                double loss = SoftmaxCrossEntropy.forwardBackward(k, d, OptimFixture.segment(arena, logits),
                        OptimFixture.intSegment(arena, targets), OptimFixture.segment(arena, mask), rows, vocab);
                close(k.name() + " loss", crossEntropy(x, targets, mask, rows, vocab), loss, 1e-6);
                float[] grad = TestData.array(d);
                for (int i = 0; i < x.length; i++) {
                    double fd = centralDifference(x, i, () -> crossEntropy(x, targets, mask, rows, vocab));
                    close(k.name() + " dlogits[" + i + "] vs finite difference", fd, grad[i], 1e-6);
                    if (mask[i / vocab] == 0) {
                        assertEquals(0f, grad[i], "masked row " + i / vocab + " has no gradient");
                        assertEquals(0, fd, 1e-12, "and the loss does not depend on it");
                    }
                }
            }
        }
    }

    @Test
    void rowCountInsteadOfAMaskUsesTheLeadingRowsOnly() {
        float[] logits = TestData.uniform(8, 4 * 3, 2);
        for (Kernels k : KERNELS) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = OptimFixture.segment(arena, logits);
                MemorySegment t = OptimFixture.intSegment(arena, new int[] {0, 1, 2, 99});   // row 3 is not used
                MemorySegment d = arena.allocate(48);
                d.fill((byte) 0x7f);
                double two = SoftmaxCrossEntropy.forwardBackward(k, d, x, t, null, 3, 3);
                double masked = SoftmaxCrossEntropy.forward(k, x, t, OptimFixture.segment(arena, new float[] {1, 1, 1, 0}), 4, 3);
                close(k.name() + " rows=3 equals mask (1,1,1,0)", masked, two, 1e-7);
                assertEquals(0x7f7f7f7f, d.get(ValueLayout.JAVA_INT, 36), "row 3 of dlogits untouched");
            }
        }
    }

    @Test
    void crossEntropyRejectsBadInputBeforeWriting() {
        Kernels k = KernelsForTests.nativeKernels();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = OptimFixture.segment(arena, new float[6]), d = arena.allocate(24);
            d.fill((byte) 1);
            var e = assertThrows(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forwardBackward(k, d, x,
                    OptimFixture.intSegment(arena, new int[] {0, 3}), null, 2, 3));
            assertTrue(e.getMessage().contains("targets[1] must be a class id in [0, 3), got 3"), e.getMessage());
            assertEquals(0x01010101, d.get(ValueLayout.JAVA_INT, 0), "nothing written");
            e = assertThrows(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forwardBackward(k, d, x,
                    OptimFixture.intSegment(arena, new int[] {0, 0}), OptimFixture.segment(arena, new float[] {1, -1}), 2, 3));
            assertTrue(e.getMessage().contains("mask[1] must be finite and >= 0, got -1.0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forwardBackward(k, d, x,
                    OptimFixture.intSegment(arena, new int[] {0, 0}), null, 3, 3));
            assertTrue(e.getMessage().contains("dlogits (N, V) needs 9 elements"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forwardBackward(k, x.asSlice(4), x,
                    OptimFixture.intSegment(arena, new int[] {0}), null, 1, 3));
            assertTrue(e.getMessage().contains("must be logits (N, V) itself or not overlap it"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forward(k, x,
                    OptimFixture.intSegment(arena, new int[] {0}), null, 1, 0));
            assertTrue(e.getMessage().contains("vocab must be >= 1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forward(k, MemorySegment.ofArray(new float[3]),
                    OptimFixture.intSegment(arena, new int[] {0}), null, 1, 3));
            assertTrue(e.getMessage().contains("off-heap"), e.getMessage());
            // every row masked: 0, not NaN
            assertEquals(0.0, SoftmaxCrossEntropy.forwardBackward(k, d, x, OptimFixture.intSegment(arena, new int[] {0, 0}),
                    OptimFixture.segment(arena, new float[] {0, 0}), 2, 3));
            assertEquals(0f, d.get(ValueLayout.JAVA_FLOAT, 20));
        }
        Arena closed = Arena.ofConfined();
        MemorySegment gone = closed.allocate(12);
        closed.close();
        try (Arena arena = Arena.ofConfined()) {
            var e = assertThrows(IllegalStateException.class, () -> SoftmaxCrossEntropy.forward(k, gone,
                    OptimFixture.intSegment(arena, new int[] {0}), null, 1, 3));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- mean squared error

    @Test
    void meanSquaredErrorMatchesPyTorchAndHandValues() {
        JsonNode mse = OptimFixture.load("losses.json").get("mse");
        float[] p = OptimFixture.floats(mse.get("prediction")), t = OptimFixture.floats(mse.get("target"));
        int rows = 4, dim = 3;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pred = OptimFixture.segment(arena, p), target = OptimFixture.segment(arena, t);
            MemorySegment d = arena.allocate(48);
            close("mse", mse.get("loss").doubleValue(), MeanSquaredError.forwardBackward(d, pred, target, null, rows, dim), 1e-6);
            closeAll("mse gradient", OptimFixture.floats(mse.get("dprediction")), TestData.array(d), 1e-7);
            MemorySegment mask = OptimFixture.segment(arena, OptimFixture.floats(mse.get("mask")));
            close("masked mse", mse.get("masked_loss").doubleValue(), MeanSquaredError.forwardBackward(d, pred, target, mask, rows, dim), 1e-6);
            closeAll("masked mse gradient", OptimFixture.floats(mse.get("masked_dprediction")), TestData.array(d), 1e-7);
            // hand values: p = (1, 2), t = (0, 4): ((1)^2 + (2)^2) / 2 = 2.5, gradient 2 (p - t) / 2 = (1, -2)
            MemorySegment hp = OptimFixture.segment(arena, new float[] {1, 2}), ht = OptimFixture.segment(arena, new float[] {0, 4});
            close("hand mse", 2.5, MeanSquaredError.forwardBackward(hp, hp, ht, null, 1, 2), 0);   // in place
            closeAll("hand mse gradient (in place)", new float[] {1, -2}, TestData.array(hp), 0);
        }
    }

    @Test
    void meanSquaredErrorGradientIsTheFiniteDifferenceAndMaskedRowsAreNotRead() {
        int rows = 4, dim = 5;
        float[] p = TestData.uniform(21, rows * dim, 2), t = TestData.uniform(22, rows * dim, 2);
        float[] mask = {1, 0, 0.25f, 1};
        for (int j = 0; j < dim; j++) {
            p[dim + j] = Float.NaN;   // row 1 is padding: garbage there must not matter
        }
        double[] x = new double[p.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = p[i];
        }
        DoubleSupplier reference = () -> {
            double sum = 0, count = 0;
            for (int n = 0; n < rows; n++) {
                if (mask[n] == 0) {
                    continue;
                }
                for (int j = 0; j < dim; j++) {
                    double diff = x[n * dim + j] - t[n * dim + j];
                    sum += mask[n] * diff * diff;
                }
                count += mask[n];
            }
            return sum / (count * dim);
        };
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment d = arena.allocate((long) p.length * 4);
            double loss = MeanSquaredError.forwardBackward(d, OptimFixture.segment(arena, p), OptimFixture.segment(arena, t),
                    OptimFixture.segment(arena, mask), rows, dim);
            assertTrue(Double.isFinite(loss), "NaN in a masked row is not read");
            close("mse", reference.getAsDouble(), loss, 1e-6);
            float[] grad = TestData.array(d);
            for (int i = 0; i < x.length; i++) {
                if (mask[i / dim] == 0) {
                    assertEquals(0f, grad[i], "masked row gradient");
                    continue;
                }
                close("dprediction[" + i + "]", centralDifference(x, i, reference), grad[i], 1e-6);
            }
            var e = assertThrows(IllegalArgumentException.class, () -> MeanSquaredError.forward(OptimFixture.segment(arena, p),
                    OptimFixture.segment(arena, t), null, rows, 0));
            assertTrue(e.getMessage().contains("dim must be >= 1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> MeanSquaredError.forward(OptimFixture.segment(arena, p),
                    OptimFixture.segment(arena, t), null, rows + 1, dim));
            assertTrue(e.getMessage().contains("prediction (N, D) needs 25 elements"), e.getMessage());
        }
    }

    static double centralDifference(double[] x, int i, DoubleSupplier f) {
        double saved = x[i], h = 1e-6 * (1 + Math.abs(saved));
        x[i] = saved + h;
        double plus = f.getAsDouble();
        x[i] = saved - h;
        double minus = f.getAsDouble();
        x[i] = saved;
        return (plus - minus) / (2 * h);
    }
}
