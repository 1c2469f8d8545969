package dev.panamarnn.unroll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamarnn.Rnn;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.testing.Fixture;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The unroller against PyTorch 1.13 (fixtures made by scripts/make_pytorch_fixtures.py): outputs,
 * final states and the gradients of loss = sum(output w_o) + sum(h_n w_h) + sum(c_n w_c) w.r.t.
 * x, h0, c0 and every parameter, for LSTM, GRU, RNN tanh/relu, 1 and 2 layers, uni- and
 * bidirectional, with and without initial state, full and variable-length batches — on the Java
 * and the native kernels (also with every weight gradient on librnnk's rnnk_sgemm_atb). Tolerance 2e-5 * (1 + |reference|); the maximum difference is printed.
 */
class PyTorchFixtureTest {
    static final double TOLERANCE = 2e-5;

    static Stream<Arguments> cases() {
        return Fixture.list().stream().flatMap(name -> Stream.of(Arguments.of(name, "java"), Arguments.of(name, "native"),
                Arguments.of(name, "native, dW on rnnk_sgemm_atb")));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void matchesPyTorch(String name, String kernelsName) {
        Fixture f = Fixture.load(name);
        Kernels kernels = switch (kernelsName) {
            case "java" -> KernelSelection.java();
            case "native" -> KernelsForTests.nativeKernels();
            default -> KernelsForTests.nativeKernels().atbAlways();
        };
        try (Rnn rnn = Rnn.create(f.config(), kernels);
             Workspace ws = rnn.workspace(f.steps(), f.batch());
             Arena arena = Arena.ofConfined()) {
            for (Map.Entry<String, Fixture.Array> p : f.params().entrySet()) {
                rnn.setParameter(p.getKey(), p.getValue().data());
            }
            Tensor x = tensor(arena, f.tensor("x"));
            Tensor h0 = tensor(arena, f.tensor("h0"));
            Tensor c0 = tensor(arena, f.tensor("c0"));
            ws.forward(x, f.lengths(), h0, c0, true);
            double forward = compare(name, "output", f.tensor("output"), ws.output());
            forward = Math.max(forward, compare(name, "h_n", f.tensor("h_n"), ws.finalHidden()));
            if (f.tensor("c_n") != null) {
                forward = Math.max(forward, compare(name, "c_n", f.tensor("c_n"), ws.finalCell()));
            }

            rnn.zeroGradients();
            ws.backward(tensor(arena, f.tensor("w_output")), tensor(arena, f.tensor("w_h_n")), tensor(arena, f.tensor("w_c_n")));
            double backward = compare(name, "grad x", f.grads().get("x"), ws.inputGradient());
            if (f.grads().get("h0") != null) {
                backward = Math.max(backward, compare(name, "grad h0", f.grads().get("h0"), ws.initialHiddenGradient()));
            }
            if (f.grads().get("c0") != null) {
                backward = Math.max(backward, compare(name, "grad c0", f.grads().get("c0"), ws.initialCellGradient()));
            }
            for (String param : f.params().keySet()) {
                backward = Math.max(backward, compare(name, "grad " + param, f.grads().get(param), rnn.gradients().get(param)));
            }
            System.out.printf("%s on %s: max |diff| vs PyTorch: outputs and states %.3g, gradients %.3g%n",
                    name, kernelsName, forward, backward);
        }
    }

    static Tensor tensor(Arena arena, Fixture.Array array) {
        return array == null ? null : Tensor.allocate(arena, array.shape()).copyFrom(array.data());
    }

    /** Fails beyond the tolerance; returns the largest |difference|. */
    static double compare(String fixture, String what, Fixture.Array expected, Tensor actual) {
        assertEquals(List.of(Arrays.stream(expected.shape()).boxed().toArray()), List.of(Arrays.stream(actual.shape()).boxed().toArray()),
                fixture + " " + what + " shape");
        float[] got = actual.toArray();
        double worst = 0, largest = 0;
        int at = -1;
        for (int i = 0; i < got.length; i++) {
            largest = Math.max(largest, Math.abs(got[i] - expected.data()[i]));
            double excess = Math.abs(got[i] - expected.data()[i]) - TOLERANCE * (1 + Math.abs(expected.data()[i]));
            if (Double.isNaN(got[i]) || excess > worst) {
                worst = Double.isNaN(got[i]) ? Double.POSITIVE_INFINITY : excess;
                at = i;
            }
        }
        if (at >= 0) {
            fail(fixture + " " + what + ": element " + at + " is " + got[at] + ", PyTorch " + expected.data()[at]
                    + " (|diff| " + Math.abs(got[at] - expected.data()[at]) + "); first values " + Arrays.toString(Arrays.copyOf(got, Math.min(6, got.length)))
                    + " vs " + Arrays.toString(Arrays.copyOf(expected.data(), Math.min(6, got.length))));
        }
        return largest;
    }
}
