package dev.panamarnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Slab;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Adam, AdamW and SGD (momentum, dampening, Nesterov, weight decay) against torch.optim on the
 * committed fixtures: five steps with a learning rate that changes between steps, the parameters
 * compared after every step and the optimizer state after the last, on the Java and the native
 * kernels. PyTorch's CPU kernels fuse a few multiply-adds that librnnk rounds separately, so a
 * value may differ by an ulp or two; the tolerance is 1e-6 of the parameter's size, and the largest
 * difference seen is printed.
 */
class OptimizerFixtureTest {
    static final String[] FILES = {"adam", "adam_l2", "adamw", "adamw_wd", "sgd_plain", "sgd_momentum",
            "sgd_momentum_dampening", "sgd_nesterov"};

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String file : FILES) {
            cases.add(Arguments.of(file, "java"));
            cases.add(Arguments.of(file, "native"));
        }
        return cases.stream();
    }

    static Kernels kernels(String which) {
        return which.equals("java") ? KernelsForTests.java() : KernelsForTests.nativeKernels();
    }

    /** The optimizer a fixture describes, on the given slabs, with the fixture's per-step rates. */
    static Optimizer optimizer(JsonNode fixture, Kernels kernels, Slab params, Slab grads) {
        JsonNode h = fixture.get("hyperparameters");
        JsonNode steps = fixture.get("steps");
        double[] rates = new double[steps.size()];
        for (int k = 0; k < rates.length; k++) {
            rates[k] = steps.get(k).get("lr").doubleValue();
        }
        LearningRateSchedule schedule = step -> rates[(int) step];
        return switch (fixture.get("optimizer").asText()) {
            case "adam" -> new Adam(kernels, params, grads, schedule, h.get("betas").get(0).doubleValue(),
                    h.get("betas").get(1).doubleValue(), h.get("eps").doubleValue(), h.get("weight_decay").doubleValue());
            case "adamw" -> new AdamW(kernels, params, grads, schedule, h.get("betas").get(0).doubleValue(),
                    h.get("betas").get(1).doubleValue(), h.get("eps").doubleValue(), h.get("weight_decay").doubleValue());
            case "sgd" -> new Sgd(kernels, params, grads, schedule, h.get("momentum").doubleValue(),
                    h.get("dampening").doubleValue(), h.get("weight_decay").doubleValue(), h.get("nesterov").asBoolean());
            default -> throw new IllegalStateException("unknown optimizer in fixture: " + fixture.get("optimizer"));
        };
    }

    @ParameterizedTest(name = "{0} on {1} kernels")
    @MethodSource("cases")
    void matchesTorchOptimStepByStep(String file, String which) {
        JsonNode fixture = OptimFixture.load(file + ".json");
        Slab.Layout layout = OptimFixture.layout(fixture.get("initial"));
        try (Slab params = Slab.allocate("params", layout); Slab grads = Slab.allocate("grads", layout);
             Optimizer opt = optimizer(fixture, kernels(which), params, grads)) {
            OptimFixture.fill(params, fixture.get("initial"));
            double worst = 0;
            StringBuilder where = new StringBuilder();
            JsonNode steps = fixture.get("steps");
            for (int k = 0; k < steps.size(); k++) {
                JsonNode step = steps.get(k);
                OptimFixture.fill(grads, step.get("grads"));
                double lr = opt.step();
                assertEquals(step.get("lr").doubleValue(), lr, "step " + k + " rate");
                StringBuilder at = new StringBuilder();
                double d = OptimFixture.maxDifference(step.get("params"), params, at);
                assertTrue(d <= 1e-6, file + " (" + which + ") after step " + (k + 1) + ": max |diff| " + d + " at " + at);
                if (d >= worst) {
                    worst = d;
                    where.setLength(0);
                    where.append("step ").append(k + 1).append(' ').append(at);
                }
            }
            assertEquals(steps.size(), opt.stepCount());
            JsonNode state = fixture.get("state");
            assertEquals(iterable(state.fieldNames()), opt.stateNames(), "state names are PyTorch's keys");
            for (String name : opt.stateNames()) {
                StringBuilder at = new StringBuilder();
                double d = OptimFixture.maxDifference(state.get(name), opt.state(name), at);
                // the moments scale with the gradients (up to 25 here): relative tolerance
                assertTrue(d <= 2e-6 * (1 + maxAbs(state.get(name))), file + " (" + which + ") state " + name
                        + ": max |diff| " + d + " at " + at);
            }
            System.out.printf("%s on %s kernels: max |param - torch| over %d steps %.3g (%s)%n", file, which, steps.size(),
                    worst, where);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void javaAndNativeKernelsGiveTheSameBits(String file) {
        JsonNode fixture = OptimFixture.load(file + ".json");
        Slab.Layout layout = OptimFixture.layout(fixture.get("initial"));
        float[][] results = new float[2][];
        int i = 0;
        for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels())) {
            try (Slab params = Slab.allocate("params", layout); Slab grads = Slab.allocate("grads", layout);
                 Optimizer opt = optimizer(fixture, kernels, params, grads)) {
                OptimFixture.fill(params, fixture.get("initial"));
                for (JsonNode step : fixture.get("steps")) {
                    OptimFixture.fill(grads, step.get("grads"));
                    opt.step();
                }
                results[i++] = params.all().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
            }
        }
        assertArrayEquals(results[0], results[1], file + ": Java and native kernels must agree bit for bit");
    }

    static Stream<String> files() {
        return Stream.of(FILES);
    }

    static List<String> iterable(java.util.Iterator<String> it) {
        List<String> list = new ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }

    static double maxAbs(JsonNode tensors) {
        double m = 0;
        var it = tensors.elements();
        while (it.hasNext()) {
            for (float v : OptimFixture.floats(it.next())) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }
}
