package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ForecastMetricsTest {
    @Test
    void errorsByHand() {
        double[] training = {1, 2, 4, 7};                 // naive (m=1) in-sample MAE = (1 + 2 + 3) / 3 = 2
        var e = ForecastMetrics.errors(new double[] {10, 12}, new double[] {9, 15}, training, 1);
        assertEquals(2.0, e.mae(), 1e-12);                 // (1 + 3) / 2
        assertEquals(Math.sqrt(5.0), e.rmse(), 1e-12);     // sqrt((1 + 9) / 2)
        assertEquals(1.0, e.mase(), 1e-12);                // 2 / 2
    }

    @Test
    void baselines() {
        double[] history = {1, 2, 3, 4, 5, 6};
        assertArrayEquals(new double[] {6, 6, 6}, ForecastMetrics.naive(history, 3));
        assertArrayEquals(new double[] {4, 5, 6, 4, 5}, ForecastMetrics.seasonalNaive(history, 5, 3));
        assertThrows(IllegalArgumentException.class, () -> ForecastMetrics.errors(new double[] {1}, new double[] {1, 2}, history, 1));
    }

    @Test
    void seasonalNaiveOneStepUsesTheObservedValueOneSeasonBack() {
        double[] history = {1, 2, 3, 4, 5, 6};
        double[] tail = {7, 8, 9, 10};
        // m = 3: y_6 <- y_3 = 4, y_7 <- 5, y_8 <- 6, y_9 <- y_6 = 7 (observed, not forecast)
        assertArrayEquals(new double[] {4, 5, 6, 7}, ForecastMetrics.seasonalNaiveOneStep(history, tail, 3));
        // m = 1 is the naive one-step forecast
        assertArrayEquals(ForecastMetrics.naiveOneStep(history, tail), ForecastMetrics.seasonalNaiveOneStep(history, tail, 1));
        assertThrows(IllegalArgumentException.class, () -> ForecastMetrics.seasonalNaiveOneStep(new double[] {1, 2}, tail, 3));
    }
}
