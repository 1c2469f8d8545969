package dev.panamarnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.testing.TestData;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Optimizer state for checkpoints: a run stopped after k steps, its state copied out (as a
 * checkpoint would) and restored into a fresh optimizer, continues bit-identically to the run that
 * never stopped. Plus the slab padding staying zero, and every bad argument or closed use rejected
 * with a message.
 */
class OptimizerStateTest {
    static final Slab.Layout LAYOUT = Slab.Layout.builder().add("embedding.weight", 7, 3).add("head.weight", 2, 5)
            .add("head.bias", 2).build();

    /** name -> an optimizer over the slabs, with a schedule that changes every step. */
    static Optimizer make(String name, Kernels kernels, Slab p, Slab g) {
        LearningRateSchedule lr = LearningRateSchedule.cosine(0.05, 8, 0.001).withWarmup(2);
        return switch (name) {
            case "adam" -> new Adam(kernels, p, g, lr, 0.9, 0.99, 1e-8, 0.01);
            case "adamw" -> new AdamW(kernels, p, g, lr, 0.9, 0.99, 1e-8, 0.1);
            case "sgd" -> new Sgd(kernels, p, g, lr, 0.9, 0, 1e-3, true);
            case "sgd-plain" -> new Sgd(kernels, p, g, lr, 0, 0, 0, false);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** Seeded gradients for step t in every tensor (the padding stays zero, as backward leaves it). */
    static void gradients(Slab g, int t) {
        for (var e : g.tensors().values()) {
            e.copyFrom(TestData.uniform(100 + t * 7L + e.size(), (int) e.size(), 1));
        }
    }

    static float[] run(String name, Kernels kernels, int steps, int stopAt) {
        try (Slab p = Slab.allocate("p", LAYOUT); Slab g = Slab.allocate("g", LAYOUT)) {
            for (var e : p.tensors().values()) {
                e.copyFrom(TestData.uniform(e.size(), (int) e.size(), 1));
            }
            Optimizer opt = make(name, kernels, p, g);
            for (int t = 0; t < steps; t++) {
                if (t == stopAt) {   // checkpoint: the step count and every state tensor, then a fresh optimizer
                    long count = opt.stepCount();
                    List<float[]> saved = new java.util.ArrayList<>();
                    for (Slab s : opt.stateSlabs()) {
                        saved.add(s.all().toArray(ValueLayout.JAVA_FLOAT));
                    }
                    List<String> names = opt.stateNames();
                    opt.close();
                    opt = make(name, kernels, p, g);
                    assertEquals(names, opt.stateNames());
                    for (int i = 0; i < saved.size(); i++) {
                        MemorySegment.copy(saved.get(i), 0, opt.state(names.get(i)).all(), ValueLayout.JAVA_FLOAT, 0, saved.get(i).length);
                    }
                    opt.restoreStepCount(count);
                }
                gradients(g, t);
                opt.step();
            }
            opt.close();
            return p.all().toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"adam", "adamw", "sgd", "sgd-plain"})
    void resumedRunIsBitIdentical(String name) {
        for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels())) {
            float[] straight = run(name, kernels, 6, -1);
            for (int stop : new int[] {1, 3, 5}) {
                assertArrayEquals(straight, run(name, kernels, 6, stop), name + " on " + kernels.name() + " resumed after " + stop);
            }
            // and the padding between tensors stays zero in the parameters
            for (int i = 0; i < LAYOUT.entries().size(); i++) {
                var e = LAYOUT.entries().get(i);
                long end = e.offset() / Float.BYTES + e.elements();
                long next = i + 1 < LAYOUT.entries().size() ? LAYOUT.entries().get(i + 1).offset() / Float.BYTES : straight.length;
                for (long at = end; at < next; at++) {
                    assertEquals(0f, straight[(int) at], "padding after " + e.name());
                }
            }
        }
    }

    @Test
    void aRunWithoutRestoringTheStateDiffers() {
        // the test above can fail: forgetting the step count (bias correction) changes the result
        Kernels k = KernelsForTests.java();
        float[] straight = run("adam", k, 4, -1);
        try (Slab p = Slab.allocate("p", LAYOUT); Slab g = Slab.allocate("g", LAYOUT)) {
            for (var e : p.tensors().values()) {
                e.copyFrom(TestData.uniform(e.size(), (int) e.size(), 1));
            }
            Optimizer opt = make("adam", k, p, g);
            for (int t = 0; t < 4; t++) {
                if (t == 2) {
                    opt.close();
                    opt = make("adam", k, p, g);   // fresh moments, step count 0
                }
                gradients(g, t);
                opt.step();
            }
            opt.close();
            assertTrue(!java.util.Arrays.equals(straight, p.all().toArray(ValueLayout.JAVA_FLOAT)));
        }
    }

    @Test
    void stateNamesStepCountAndHyperparameters() {
        Kernels k = KernelsForTests.java();
        try (Slab p = Slab.allocate("p", LAYOUT); Slab g = Slab.allocate("g", LAYOUT);
             Adam adam = new Adam(k, p, g, 1e-3); AdamW adamw = new AdamW(k, p, g, 1e-3);
             Sgd sgd = new Sgd(k, p, g, 0.1); Sgd momentum = new Sgd(k, p, g, LearningRateSchedule.constant(0.1), 0.9, 0, 0, false)) {
            assertEquals(List.of("exp_avg", "exp_avg_sq"), adam.stateNames());
            assertEquals(List.of("exp_avg", "exp_avg_sq"), adamw.stateNames());
            assertEquals(List.of(), sgd.stateNames());
            assertEquals(List.of("momentum_buffer"), momentum.stateNames());
            assertEquals(2, adam.stateSlabs().length);
            assertEquals(LAYOUT.entries().size(), adam.state("exp_avg").layout().entries().size());
            assertEquals("adamw", adamw.name());
            assertEquals(0.01, adamw.weightDecay(), "AdamW's default weight decay is PyTorch's");
            assertEquals(0.0, adam.weightDecay());
            assertEquals(List.of(0.9, 0.999), adam.hyperparameters().get("betas"));
            assertEquals(1e-3, adam.learningRate());
            adam.step();
            assertEquals(1, adam.stepCount());
            var e = assertThrows(IllegalArgumentException.class, () -> adam.state("momentum_buffer"));
            assertTrue(e.getMessage().contains("has no state 'momentum_buffer'"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> adam.restoreStepCount(-1));
            assertTrue(e.getMessage().contains("step count must be >= 0"), e.getMessage());
        }
    }

    @Test
    void badArgumentsAndClosedUseAreRejected() {
        Kernels k = KernelsForTests.java();
        Slab.Layout other = Slab.Layout.builder().add("embedding.weight", 7, 3).build();
        try (Slab p = Slab.allocate("p", LAYOUT); Slab g = Slab.allocate("g", LAYOUT); Slab wrong = Slab.allocate("w", other)) {
            var e = assertThrows(IllegalArgumentException.class, () -> new Adam(k, p, wrong, 1e-3));
            assertTrue(e.getMessage().contains("the gradient slab must have the parameter slab's layout"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new Adam(k, p, g, LearningRateSchedule.constant(1e-3), 1.0, 0.999, 1e-8, 0));
            assertTrue(e.getMessage().contains("betas must be in [0, 1)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new AdamW(k, p, g, LearningRateSchedule.constant(1e-3), 0.9, 0.999, -1, 0));
            assertTrue(e.getMessage().contains("eps must be finite and >= 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new Sgd(k, p, g, LearningRateSchedule.constant(0.1), 0, 0, 0, true));
            assertTrue(e.getMessage().contains("Nesterov momentum requires a momentum > 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new Sgd(k, p, g, LearningRateSchedule.constant(0.1), Double.NaN, 0, 0, false));
            assertTrue(e.getMessage().contains("momentum must be finite and >= 0, got NaN"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new Sgd(k, p, g, (LearningRateSchedule) null, 0, 0, 0, false));
            assertTrue(e.getMessage().contains("schedule is null"), e.getMessage());

            Sgd bad = new Sgd(k, p, g, step -> step == 0 ? 0.1 : Double.NaN, 0, 0, 0, false);
            bad.step();
            float[] before = p.all().toArray(ValueLayout.JAVA_FLOAT);
            var s = assertThrows(IllegalStateException.class, bad::step);
            assertTrue(s.getMessage().contains("gave NaN for step 1"), s.getMessage());
            assertArrayEquals(before, p.all().toArray(ValueLayout.JAVA_FLOAT), "a refused step changes nothing");
            assertEquals(1, bad.stepCount());
            bad.close();

            Adam closed = new Adam(k, p, g, 1e-3);
            closed.close();
            closed.close();   // idempotent
            s = assertThrows(IllegalStateException.class, closed::step);
            assertTrue(s.getMessage().contains("closed"), s.getMessage());
            assertThrows(IllegalStateException.class, closed::stateSlabs);
        }
        // the parameter slab closed under a live optimizer: an exception, not a crash
        Slab p = Slab.allocate("p", LAYOUT), g = Slab.allocate("g", LAYOUT);
        try (Adam adam = new Adam(KernelsForTests.nativeKernels(), p, g, 1e-3)) {
            p.close();
            assertThrows(IllegalStateException.class, adam::step);
        } finally {
            g.close();
        }
    }

}
