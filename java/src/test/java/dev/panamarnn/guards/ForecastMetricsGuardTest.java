package dev.panamarnn.guards;

import static dev.panamarnn.guards.Guards.expect;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.infer.BlasThreads;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.model.ForecastMetrics;
import org.junit.jupiter.api.Test;

/** ForecastMetrics' baselines and BlasThreads: empty, null and negative arguments. */
class ForecastMetricsGuardTest {
    private final double[] history = {1, 2, 3, 4, 5};
    private final double[] tail = {6, 7};

    @Test
    void baselines() {
        expect(IllegalArgumentException.class, () -> ForecastMetrics.naive(new double[0], 3), "history needs at least 1 value(s), got 0");
        expect(IllegalArgumentException.class, () -> ForecastMetrics.naive(history, -1), "horizon must be >= 0, got -1");
        expect(IllegalArgumentException.class, () -> ForecastMetrics.naive(null, 1), "history is null");
        expect(IllegalArgumentException.class, () -> ForecastMetrics.naiveOneStep(history, new double[0]), "tail needs at least 1 value(s), got 0");
        expect(IllegalArgumentException.class, () -> ForecastMetrics.naiveOneStep(new double[0], tail), "history needs at least 1 value(s), got 0");
        expect(IllegalArgumentException.class, () -> ForecastMetrics.seasonalNaive(history, 2, 0), "period must be >= 1, got 0");
        expect(IllegalArgumentException.class, () -> ForecastMetrics.seasonalNaive(history, -2, 2), "horizon must be >= 0, got -2");
        expect(IllegalArgumentException.class, () -> ForecastMetrics.seasonalNaive(history, 2, 6), "seasonal naive with period 6 needs that much history, got 5");
        expect(IllegalArgumentException.class, () -> ForecastMetrics.seasonalNaiveOneStep(history, tail, -1), "period -1 needs period >= 1");
        expect(IllegalArgumentException.class, () -> ForecastMetrics.errors(tail, new double[] {1}, history, 1),
                "truth and forecast must have the same non-zero length, got 2 and 1");
        expect(IllegalArgumentException.class, () -> ForecastMetrics.errors(tail, tail, history, 0), "period must be >= 1, got 0");
        expect(IllegalArgumentException.class, () -> ForecastMetrics.errors(tail, tail, history, 5), "need more than 5 training points for MASE, got 5");
        expect(IllegalArgumentException.class, () -> ForecastMetrics.errors(tail, null, history, 1), "forecast is null");
    }

    @Test
    void blasThreads() {
        expect(IllegalArgumentException.class, () -> BlasThreads.set(null, 2), "model is required");
        expect(IllegalArgumentException.class, () -> BlasThreads.current(null), "model is required");
        expect(IllegalArgumentException.class, () -> BlasThreads.recommended(-1), "busyServiceThreads must be >= 0, got -1");
        try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.GRU, 2, 3).build(), KernelSelection.java());
             InferenceModel model = InferenceModel.of(rnn)) {
            expect(IllegalArgumentException.class, () -> BlasThreads.set(model, 0), "OpenBLAS thread count must be >= 1, got 0");
        }
    }
}
