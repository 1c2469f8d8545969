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
        for (String key : java.keySet()) {
            float[] a = java.get(key), b = nat.get(key);
            for (int k = 0; k < a.length; k++) {
                if (!(Math.abs(a[k] - b[k]) <= tolerance * (1 + Math.abs(a[k])))) {
                    fail(key + ": java vs native " + TestData.maxDiff(a, b) + ", tolerance " + tolerance);
                }
            }
        }
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
