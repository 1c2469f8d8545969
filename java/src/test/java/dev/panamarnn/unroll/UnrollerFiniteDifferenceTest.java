package dev.panamarnn.unroll;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.testing.TestData;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backpropagation through the whole unroller (2 layers, bidirectional, variable lengths, initial
 * states) against central finite differences of the forward pass. The forward runs in float, so
 * the check is a directional derivative per tensor: v . dL/dθ against (L(θ + εv) - L(θ - εv)) / 2ε,
 * with the loss accumulated in double and ε = 1e-2 / 1e-3 — a wrong or missing gradient term is
 * off by O(1), float rounding by ~1e-4 relative.
 */
class UnrollerFiniteDifferenceTest {
    static final int T = 4, B = 3, I = 3, H = 4;
    static final int[] LENGTHS = {4, 2, 3};

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (CellType cell : CellType.values()) {
            cases.add(Arguments.of(cell, 2, true, LENGTHS));
            cases.add(Arguments.of(cell, 1, false, null));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} layers={1} bidirectional={2}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(CellType cell, int layers, boolean bidirectional, int[] lengths) {
        RnnConfig config = RnnConfig.builder(cell, I, H).layers(layers).bidirectional(bidirectional).seed(11).build();
        int states = layers * config.directions();
        try (Rnn rnn = Rnn.create(config, KernelsForTests.java());
             Workspace ws = rnn.workspace(T, B);
             Arena arena = Arena.ofConfined()) {
            // bigger weights than the default init, so the gates leave their linear range
            for (Tensor p : rnn.parameters().tensors().values()) {
                for (long i = 0; i < p.size(); i++) {
                    p.set(i, p.get(i) * 2.5f);
                }
            }
            Tensor x = Tensor.allocate(arena, T, B, I).copyFrom(TestData.uniform(1, T * B * I, 1));
            Tensor h0 = Tensor.allocate(arena, states, B, H).copyFrom(TestData.uniform(2, states * B * H, 0.5));
            Tensor c0 = cell.hasCellState() ? Tensor.allocate(arena, states, B, H).copyFrom(TestData.uniform(3, states * B * H, 0.5)) : null;
            Tensor wOut = Tensor.allocate(arena, T, B, config.outputSize()).copyFrom(TestData.uniform(4, T * B * config.outputSize(), 1));
            Tensor wH = Tensor.allocate(arena, states, B, H).copyFrom(TestData.uniform(5, states * B * H, 1));
            Tensor wC = c0 == null ? null : Tensor.allocate(arena, states, B, H).copyFrom(TestData.uniform(6, states * B * H, 1));
            java.util.function.DoubleSupplier loss = () -> {
                ws.forward(x, lengths, h0, c0, false);
                double sum = dot(ws.output(), wOut) + dot(ws.finalHidden(), wH);
                return wC == null ? sum : sum + dot(ws.finalCell(), wC);
            };
            loss.getAsDouble();
            rnn.zeroGradients();
            ws.backward(wOut, wH, wC);

            List<String> checked = new ArrayList<>();
            check("x", x, ws.inputGradient().toArray(), loss, cell, checked);
            check("h0", h0, ws.initialHiddenGradient().toArray(), loss, cell, checked);
            if (c0 != null) {
                check("c0", c0, ws.initialCellGradient().toArray(), loss, cell, checked);
            }
            for (var e : rnn.parameters().tensors().entrySet()) {
                check(e.getKey(), e.getValue(), rnn.gradients().get(e.getKey()).toArray(), loss, cell, checked);
            }
            assertTrue(checked.size() >= 5, checked.toString());
        }
    }

    /** Directional finite difference along a seeded random direction v over all entries of {@code t}. */
    private static void check(String name, Tensor t, float[] grad, java.util.function.DoubleSupplier loss,
                              CellType cell, List<String> checked) {
        float[] v = TestData.uniform(name.hashCode(), (int) t.size(), 1);
        float[] saved = t.toArray();
        double analytic = 0, scale = 0;
        for (int i = 0; i < v.length; i++) {
            analytic += (double) grad[i] * v[i];
            scale += Math.abs((double) grad[i] * v[i]);
        }
        double eps = cell == CellType.RNN_RELU ? 1e-3 : 1e-2;   // relu: stay clear of kinks
        double plus = lossAt(t, saved, v, eps, loss), minus = lossAt(t, saved, v, -eps, loss);
        t.copyFrom(saved);
        double numeric = (plus - minus) / (2 * eps);
        double tolerance = 2e-3 * scale + 2e-4;
        assertTrue(Math.abs(numeric - analytic) <= tolerance,
                cell + " " + name + ": analytic " + analytic + " vs finite difference " + numeric
                        + " (|diff| " + Math.abs(numeric - analytic) + " > " + tolerance + ")");
        checked.add(name);
    }

    private static double lossAt(Tensor t, float[] saved, float[] v, double eps, java.util.function.DoubleSupplier loss) {
        for (int i = 0; i < saved.length; i++) {
            t.set(i, (float) (saved[i] + eps * v[i]));
        }
        return loss.getAsDouble();
    }

    private static double dot(Tensor a, Tensor b) {
        double sum = 0;
        for (long i = 0; i < a.size(); i++) {
            sum += (double) a.get(i) * b.get(i);
        }
        return sum;
    }
}
