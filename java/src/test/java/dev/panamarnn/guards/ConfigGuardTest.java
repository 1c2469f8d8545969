package dev.panamarnn.guards;

import static dev.panamarnn.guards.Guards.check;
import static dev.panamarnn.guards.Guards.expect;

import dev.panamarnn.CellType;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.train.LearningRateSchedule;
import dev.panamarnn.train.NonFiniteGuard;
import dev.panamarnn.train.NonFiniteTrainingException;
import org.junit.jupiter.api.Test;

/** RnnConfig, CellType, learning-rate schedules and NonFiniteGuard: values that are negative, NaN, infinite or overflow. */
class ConfigGuardTest {

    @Test
    void rnnConfig() {
        expect(IllegalArgumentException.class, () -> RnnConfig.builder(null, 3, 4).build(), "cell type is required");
        expect(IllegalArgumentException.class, () -> RnnConfig.builder(CellType.LSTM, 0, 4).build(), "inputSize must be >= 1, got 0");
        expect(IllegalArgumentException.class, () -> RnnConfig.builder(CellType.LSTM, 3, -4).build(), "hiddenSize must be >= 1, got -4");
        expect(IllegalArgumentException.class, () -> RnnConfig.builder(CellType.LSTM, 3, 4).layers(0).build(), "numLayers must be >= 1, got 0");
        expect(IllegalArgumentException.class, () -> RnnConfig.builder(CellType.LSTM, 3, 4).dropout(Double.NaN).build(),
                "dropout must be in [0, 1), got NaN");
        expect(IllegalArgumentException.class, () -> RnnConfig.builder(CellType.LSTM, 3, 4).dropout(-0.1).build(),
                "dropout must be in [0, 1), got -0.1");
        expect(IllegalArgumentException.class, () -> RnnConfig.builder(CellType.LSTM, 3, 4).dropout(Double.POSITIVE_INFINITY).build(),
                "dropout must be in [0, 1), got Infinity");
        // G*H (the gate width, a GEMM dimension) must fit an int, twice
        expect(IllegalArgumentException.class, () -> RnnConfig.builder(CellType.LSTM, 3, Integer.MAX_VALUE / 4).build(),
                "hiddenSize", "536870911", "lstm", "int");
        expect(IllegalArgumentException.class, () -> RnnConfig.builder(CellType.RNN_TANH, 3, 1 << 30).build(),
                "hiddenSize", "1073741824", "int");
    }

    @Test
    void cellType() {
        expect(IllegalArgumentException.class, () -> CellType.fromId("lstn"), "unknown cell type 'lstn'; expected one of lstm, gru");
        expect(IllegalArgumentException.class, () -> CellType.fromId(null), "unknown cell type 'null'");
    }

    @Test
    void schedules() {
        expect(IllegalArgumentException.class, () -> LearningRateSchedule.constant(Double.NaN), "lr must be finite and >= 0, got NaN");
        expect(IllegalArgumentException.class, () -> LearningRateSchedule.constant(-1e-3), "lr must be finite and >= 0, got -0.001");
        expect(IllegalArgumentException.class, () -> LearningRateSchedule.constant(Double.POSITIVE_INFINITY), "got Infinity");
        expect(IllegalArgumentException.class, () -> LearningRateSchedule.stepDecay(0.1, 0, 0.5), "stepSize must be >= 1, got 0");
        expect(IllegalArgumentException.class, () -> LearningRateSchedule.stepDecay(0.1, 10, Double.NaN), "gamma must be finite and >= 0, got NaN");
        expect(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(0.1, 0, 0), "totalSteps must be >= 1, got 0");
        expect(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(0.1, 10, Double.NaN), "minLr must be finite and >= 0, got NaN");
        expect(IllegalArgumentException.class, () -> LearningRateSchedule.warmup(-1, LearningRateSchedule.constant(0.1)),
                "warm-up steps must be >= 0, got -1");
        expect(IllegalArgumentException.class, () -> LearningRateSchedule.warmup(5, null), "the schedule after the warm-up is null");
        expect(IllegalArgumentException.class, () -> LearningRateSchedule.constant(0.1).lr(-1), "step must be >= 0, got -1");
        expect(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(0.1, 10, 0).withWarmup(3).lr(Long.MIN_VALUE),
                "step must be >= 0");
        check(LearningRateSchedule.cosine(0.1, 10, 0.01).lr(Long.MAX_VALUE) == 0.01, "cosine after its end stays at minLr");
    }

    @Test
    void nonFiniteGuard() {
        expect(IllegalArgumentException.class, () -> new NonFiniteGuard(-1), "maxConsecutiveSkips must be >= 0, got -1");
        NonFiniteGuard guard = new NonFiniteGuard(2);
        check(guard.check(1.0, 1.0, 1), "finite step taken");
        check(!guard.check(Double.NaN, 1.0, 2), "NaN loss skipped");
        check(!guard.check(1.0, Double.POSITIVE_INFINITY, 3), "infinite norm skipped");
        NonFiniteTrainingException e = expect(NonFiniteTrainingException.class, () -> guard.check(Double.NEGATIVE_INFINITY, 1.0, 4), "4");
        check(e.getMessage().contains("3") && e.getMessage().contains("2"), "the message names the run (3) and the limit (2): " + e.getMessage());
        check(guard.totalSkips() == 3, "three skips counted");
        check(guard.check(1.0, 1.0, 5) && guard.consecutiveSkips() == 0, "a finite step resets the run");
    }
}
