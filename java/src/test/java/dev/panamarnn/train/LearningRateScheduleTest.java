package dev.panamarnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Schedules at known steps: PyTorch's schedulers (fixture) and values worked out by hand. */
class LearningRateScheduleTest {

    static void matches(String what, JsonNode rates, LearningRateSchedule schedule) {
        for (int step = 0; step < rates.size(); step++) {
            double want = rates.get(step).doubleValue();
            assertEquals(want, schedule.lr(step), 1e-12 * want + 1e-15, what + " at step " + step);
        }
    }

    @Test
    void matchesPyTorchSchedulers() {
        JsonNode f = OptimFixture.load("schedules.json");
        double lr = f.get("lr").doubleValue();
        JsonNode step = f.get("step"), cosine = f.get("cosine"), warm = f.get("warmup_cosine");
        matches("StepLR", step.get("rates"), LearningRateSchedule.stepDecay(lr, step.get("step_size").asLong(), step.get("gamma").doubleValue()));
        matches("CosineAnnealingLR", cosine.get("rates"),
                LearningRateSchedule.cosine(lr, cosine.get("total_steps").asLong(), cosine.get("min_lr").doubleValue()));
        matches("LinearLR warm-up then cosine (SequentialLR)", warm.get("rates"),
                LearningRateSchedule.cosine(lr, warm.get("total_steps").asLong(), warm.get("min_lr").doubleValue())
                        .withWarmup(warm.get("warmup").asLong()));
    }

    @Test
    void handValues() {
        LearningRateSchedule constant = LearningRateSchedule.constant(0.01);
        assertEquals(0.01, constant.lr(0));
        assertEquals(0.01, constant.lr(1_000_000));
        LearningRateSchedule step = LearningRateSchedule.stepDecay(1.0, 10, 0.1);
        assertEquals(1.0, step.lr(9));
        assertEquals(0.1, step.lr(10), 1e-15);
        assertEquals(0.01, step.lr(25), 1e-15);
        LearningRateSchedule cos = LearningRateSchedule.cosine(1.0, 100, 0.0);
        assertEquals(1.0, cos.lr(0));
        assertEquals(0.5, cos.lr(50), 1e-15);                  // half way: (1 + cos(pi/2)) / 2
        assertEquals((1 + Math.cos(Math.PI / 4)) / 2, cos.lr(25), 1e-15);
        assertEquals(0.0, cos.lr(100), 1e-15);
        assertEquals(0.0, cos.lr(500), 1e-15, "holds the minimum after the end");
        assertEquals(0.1, LearningRateSchedule.cosine(1.0, 100, 0.1).lr(100), 1e-15);
        LearningRateSchedule warm = LearningRateSchedule.warmup(4, LearningRateSchedule.stepDecay(0.8, 2, 0.5));
        assertEquals(0.2, warm.lr(0), 1e-15);                  // 0.8 * 1/4: the first step already moves
        assertEquals(0.6, warm.lr(2), 1e-15);
        assertEquals(0.8, warm.lr(3), 1e-15);                  // full rate at the last warm-up step
        assertEquals(0.8, warm.lr(4), 1e-15);                  // then the step decay from its own step 0
        assertEquals(0.8, warm.lr(5), 1e-15);
        assertEquals(0.4, warm.lr(6), 1e-15);
        assertEquals(0.01, LearningRateSchedule.warmup(0, constant).lr(0), "no warm-up");
        assertTrue(warm.toString().contains("Warmup[steps=4"), warm.toString());
    }

    @Test
    void badArgumentsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.constant(-1));
        assertTrue(e.getMessage().contains("lr must be finite and >= 0, got -1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.constant(Double.NaN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.stepDecay(0.1, 0, 0.5));
        assertTrue(e.getMessage().contains("stepSize must be >= 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(0.1, 0, 0));
        assertTrue(e.getMessage().contains("totalSteps must be >= 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.warmup(-1, LearningRateSchedule.constant(1)));
        assertTrue(e.getMessage().contains("warm-up steps must be >= 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.constant(0.1).lr(-1));
        assertTrue(e.getMessage().contains("step must be >= 0"), e.getMessage());
    }
}
