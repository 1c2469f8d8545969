package dev.panamarnn.infer;

import static org.junit.jupiter.api.Assertions.fail;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.testing.TestData;

/** Shared helpers of the streaming tests: networks, sequences, reference runs, comparisons. */
final class InferTesting {
    private InferTesting() {}

    /** "java" or "native", for parameterized tests. */
    static Kernels kernels(String name) {
        return name.equals("native") ? KernelsForTests.nativeKernels() : KernelsForTests.java();
    }

    static Rnn rnn(CellType cell, int input, int hidden, int layers, long seed, Kernels kernels) {
        return Rnn.create(RnnConfig.builder(cell, input, hidden).layers(layers).seed(seed).build(), kernels);
    }

    /** x_t for t = 0..T-1, each I floats in [-1, 1). */
    static float[][] sequence(long seed, int steps, int input) {
        float[] all = TestData.uniform(seed, steps * input, 1);
        float[][] x = new float[steps][input];
        for (int t = 0; t < steps; t++) {
            System.arraycopy(all, t * input, x[t], 0, input);
        }
        return x;
    }

    /** Outputs of stepping one stream alone through the whole sequence. */
    static float[][] stepAlone(StreamState stream, float[][] x) {
        float[][] y = new float[x.length][stream.outputSize()];
        for (int t = 0; t < x.length; t++) {
            stream.step(x[t], y[t]);
        }
        return y;
    }

    /** Fails unless |e - a| <= tol * (1 + |e|) everywhere (NaN never passes). */
    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        if (expected.length != actual.length) {
            fail(what + ": expected " + expected.length + " floats, got " + actual.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tol * (1 + Math.abs(expected[i])))) {
                fail(what + ": " + TestData.maxDiff(expected, actual) + ", tolerance " + tol);
            }
        }
    }

    /**
     * The tolerance (relative to 1 + |expected|) for two float computations of the same network that
     * differ only in summation order (GEMV vs GEMM, [W_ih | W_hh] joined vs two products): rounding
     * of a dot product of n = In + H terms grows like sqrt(n) eps, and each layer adds its own; the
     * recurrence contracts, so it does not grow with T. Measured: at most 3.3e-7 over the agreement
     * cases, where this gives 1.6e-6 to 4e-5.
     */
    static double tolerance(int input, int hidden, int layers) {
        return 16 * TestData.EPS * (2 + Math.sqrt(input + hidden)) * layers;
    }
}
