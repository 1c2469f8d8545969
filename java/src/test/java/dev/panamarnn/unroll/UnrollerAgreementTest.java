package dev.panamarnn.unroll;

import static org.junit.jupiter.api.Assertions.fail;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.testing.TestData;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * JavaKernels vs NativeKernels through the whole unroller on seeded data over awkward sizes:
 * outputs, final states and every gradient agree within a tolerance that grows with the GEMM depth.
 */
class UnrollerAgreementTest {
    static final int[] SIZES = {1, 3, 7, 17, 64, 129};
    static final int[] STEPS = {1, 2, 13};

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        int i = 0;
        for (CellType cell : CellType.values()) {
            for (int b : SIZES) {
                // walk H, I and T through their tables at different rates so every value appears per cell
                int h = SIZES[(i * 5 + 2) % SIZES.length];
                int in = SIZES[(i * 7 + 3) % SIZES.length];
                int t = STEPS[i % STEPS.length];
                boolean bidirectional = i % 2 == 1;
                int layers = 1 + (i / 2) % 2;
                boolean withLengths = i % 3 == 0 && b > 1;
                cases.add(Arguments.of(cell, b, h, in, t, layers, bidirectional, withLengths));
                i++;
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} B={1} H={2} I={3} T={4} L={5} bi={6} lengths={7}")
    @MethodSource("cases")
    void javaAndNativeAgree(CellType cell, int batch, int hidden, int input, int steps, int layers,
                            boolean bidirectional, boolean withLengths) {
        RnnConfig config = RnnConfig.builder(cell, input, hidden).layers(layers).bidirectional(bidirectional).seed(7).build();
        int[] lengths = null;
        if (withLengths) {
            lengths = new int[batch];
            for (int b = 0; b < batch; b++) {
                lengths[b] = 1 + (b * 7919) % steps;
            }
        }
        Map<String, float[]> java = run(KernelsForTests.java(), config, steps, batch, lengths);
        Map<String, float[]> nat = run(KernelsForTests.nativeKernels(), config, steps, batch, lengths);
        // float GEMM error grows with depth ~ (I + H + T*B) eps; the activations add a few ulp per step
        double tolerance = 1e-6 * (8 + Math.sqrt(input + hidden + (double) steps * batch) * steps);
        assertAgree(java, nat, tolerance, "java vs native");
    }

    /** Every value of every result within tolerance * (1 + |a|) of its counterpart. */
    private static void assertAgree(Map<String, float[]> a, Map<String, float[]> b, double tolerance, String what) {
        for (String key : a.keySet()) {
            float[] x = a.get(key), y = b.get(key);
            for (int k = 0; k < x.length; k++) {
                if (!(Math.abs(x[k] - y[k]) <= tolerance * (1 + Math.abs(x[k])))) {
                    fail(key + ": " + what + " " + TestData.maxDiff(x, y) + ", tolerance " + tolerance);
                }
            }
        }
    }

    /**
     * A batch of one row (recurrent products as GEMV) gives what the same row gives inside a batch
     * of two identical rows (GEMM): outputs equal, parameter gradients half.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(CellType.class)
    void oneRowBatchMatchesTheSameRowInALargerBatch(CellType cell) {
        RnnConfig config = RnnConfig.builder(cell, 5, 7).layers(2).seed(3).build();
        for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels())) {
            try (Rnn rnn = Rnn.create(config, kernels);
                 Workspace one = rnn.workspace(6, 1);
                 Workspace two = rnn.workspace(6, 2);
                 Arena arena = Arena.ofConfined()) {
                float[] x1 = TestData.uniform(1, 6 * 5, 1), dy1 = TestData.uniform(2, 6 * 7, 1);
                float[] x2 = new float[6 * 2 * 5], dy2 = new float[6 * 2 * 7];
                for (int t = 0; t < 6; t++) {
                    for (int r = 0; r < 2; r++) {
                        System.arraycopy(x1, t * 5, x2, (t * 2 + r) * 5, 5);
                        System.arraycopy(dy1, t * 7, dy2, (t * 2 + r) * 7, 7);
                    }
                }
                rnn.zeroGradients();
                float[] out1 = one.forward(Tensor.allocate(arena, 6, 1, 5).copyFrom(x1), null, null, null, true).toArray();
                one.backward(Tensor.allocate(arena, 6, 1, 7).copyFrom(dy1), null, null);
                Map<String, float[]> g1 = new java.util.LinkedHashMap<>();
                rnn.gradients().tensors().forEach((n, t) -> g1.put(n, t.toArray()));
                rnn.zeroGradients();
                float[] out2 = two.forward(Tensor.allocate(arena, 6, 2, 5).copyFrom(x2), null, null, null, true).toArray();
                two.backward(Tensor.allocate(arena, 6, 2, 7).copyFrom(dy2), null, null);
                for (int t = 0; t < 6; t++) {
                    for (int j = 0; j < 7; j++) {
                        org.junit.jupiter.api.Assertions.assertEquals(out1[t * 7 + j], out2[(t * 2 + 1) * 7 + j], 1e-6, kernels.name() + " output");
                    }
                }
                for (var e : g1.entrySet()) {
                    float[] g2 = rnn.gradients().get(e.getKey()).toArray();
                    for (int i = 0; i < g2.length; i++) {
                        org.junit.jupiter.api.Assertions.assertEquals(2 * e.getValue()[i], g2[i], 1e-5 * (1 + Math.abs(g2[i])),
                                kernels.name() + " " + e.getKey() + "[" + i + "]");
                    }
                }
            }
        }
    }

    /**
     * Small steps run the forward recurrent product on librnnk's small GEMM with W_hh^T (refreshed
     * every forward) and the backward one on it directly: the same results as all-OpenBLAS, also
     * after the weights changed between two forwards of one workspace.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(CellType.class)
    void smallProductPathAgreesWithOpenBlas(CellType cell) {
        RnnConfig config = RnnConfig.builder(cell, 6, 16).layers(2).bidirectional(true).seed(11).build();
        var small = KernelsForTests.nativeKernels();
        var openBlas = small.openBlasOnly();
        org.junit.jupiter.api.Assertions.assertTrue(Stack.transposedRecurrentWeights(small, config, 5), "small path taken");
        org.junit.jupiter.api.Assertions.assertFalse(Stack.transposedRecurrentWeights(openBlas, config, 5));
        org.junit.jupiter.api.Assertions.assertFalse(Stack.transposedRecurrentWeights(small, config, 1), "batch 1 uses GEMV");
        assertAgree(runTwice(small, config), runTwice(openBlas, config), 1e-5, "small GEMM vs OpenBLAS");
    }

    /**
     * The weight gradients dW_ih += dG^T X and dW_hh += dG^T H_prev on librnnk's rnnk_sgemm_atb
     * (forced, whatever the core type) give what OpenBLAS's transposed GEMM gives, with T*B = 600
     * rows (two of the kernel's blocks of 512), two layers, both directions, twice on one workspace.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(CellType.class)
    void weightGradientProductAgreesWithOpenBlas(CellType cell) {
        RnnConfig config = RnnConfig.builder(cell, 6, 16).layers(2).bidirectional(true).seed(13).build();
        var atb = KernelsForTests.nativeKernels().atbAlways();
        var openBlas = KernelsForTests.nativeKernels().openBlasOnly();
        org.junit.jupiter.api.Assertions.assertTrue(Stack.atbScratchFloats(atb, config, 60, 10) > 0, "scratch kept");
        org.junit.jupiter.api.Assertions.assertEquals(0, Stack.atbScratchFloats(openBlas, config, 60, 10));
        assertAgree(runTwice(atb, config, 60, 10), runTwice(openBlas, config, 60, 10), 1e-5, "rnnk_sgemm_atb vs OpenBLAS");
    }

    /** Forward + backward, then W_hh of every layer scaled by -0.5 and forward + backward again. */
    private static Map<String, float[]> runTwice(Kernels kernels, RnnConfig config) {
        return runTwice(kernels, config, 9, 5);
    }

    private static Map<String, float[]> runTwice(Kernels kernels, RnnConfig config, int steps, int batch) {
        Map<String, float[]> results = new java.util.LinkedHashMap<>();
        try (Rnn rnn = Rnn.create(config, kernels);
             Workspace ws = rnn.workspace(steps, batch);
             Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, steps, batch, config.inputSize())
                    .copyFrom(TestData.uniform(1, steps * batch * config.inputSize(), 1));
            Tensor dOut = Tensor.allocate(arena, steps, batch, config.outputSize())
                    .copyFrom(TestData.uniform(4, steps * batch * config.outputSize(), 1));
            for (int round = 0; round < 2; round++) {
                if (round == 1) {
                    rnn.parameters().tensors().forEach((name, t) -> {
                        if (name.contains("weight_hh")) {
                            for (long i = 0; i < t.size(); i++) {
                                t.set(i, -0.5f * t.get(i));
                            }
                        }
                    });
                }
                rnn.zeroGradients();
                results.put("output " + round, ws.forward(x, null, null, null, true).toArray());
                ws.backward(dOut, null, null);
                results.put("dx " + round, ws.inputGradient().toArray());
                for (var e : rnn.gradients().tensors().entrySet()) {
                    results.put("d " + e.getKey() + " " + round, e.getValue().toArray());
                }
            }
        }
        return results;
    }

    static Map<String, float[]> run(Kernels kernels, RnnConfig config, int steps, int batch, int[] lengths) {
        Map<String, float[]> results = new java.util.LinkedHashMap<>();
        int states = config.numLayers() * config.directions();
        try (Rnn rnn = Rnn.create(config, kernels);
             Workspace ws = rnn.workspace(steps, batch);
             Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, steps, batch, config.inputSize())
                    .copyFrom(TestData.uniform(1, steps * batch * config.inputSize(), 1));
            Tensor h0 = Tensor.allocate(arena, states, batch, config.hiddenSize())
                    .copyFrom(TestData.uniform(2, states * batch * config.hiddenSize(), 0.5));
            Tensor c0 = config.cell().hasCellState() ? Tensor.allocate(arena, states, batch, config.hiddenSize())
                    .copyFrom(TestData.uniform(3, states * batch * config.hiddenSize(), 0.5)) : null;
            ws.forward(x, lengths, h0, c0, true);
            results.put("output", ws.output().toArray());
            results.put("h_n", ws.finalHidden().toArray());
            if (c0 != null) {
                results.put("c_n", ws.finalCell().toArray());
            }
            Tensor dOut = Tensor.allocate(arena, ws.output().shape())
                    .copyFrom(TestData.uniform(4, (int) ws.output().size(), 1));
            Tensor dhN = Tensor.allocate(arena, states, batch, config.hiddenSize())
                    .copyFrom(TestData.uniform(5, states * batch * config.hiddenSize(), 1));
            rnn.zeroGradients();
            ws.backward(dOut, dhN, null);
            results.put("dx", ws.inputGradient().toArray());
            results.put("dh0", ws.initialHiddenGradient().toArray());
            if (c0 != null) {
                results.put("dc0", ws.initialCellGradient().toArray());
            }
            for (var e : rnn.gradients().tensors().entrySet()) {
                results.put("d " + e.getKey(), e.getValue().toArray());
            }
        }
        return results;
    }
}
