package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.examples.support.EmbeddedData;
import dev.panamarnn.model.ForecastMetrics;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The metrics and baselines the forecast experiment reports, on the real series and on series made to order. */
class ForecastBaselinesTest {
    @Test
    void maseOfTheInSampleNaiveForecastIsOne() throws Exception {
        for (String file : new String[] {"sunspot_month.csv", "air_passengers.csv", "co2_mauna_loa.csv"}) {
            double[] y = EmbeddedData.series(file).values();
            for (int m : new int[] {1, 12}) {
                // forecast y_t by y_{t-m} over the training part itself: the MASE scale's own numerator
                double[] truth = Arrays.copyOfRange(y, m, y.length);
                double[] forecast = Arrays.copyOf(y, y.length - m);
                assertEquals(1.0, ForecastMetrics.errors(truth, forecast, y, m).mase(), 1e-9, file + " m=" + m);
            }
        }
    }

    @Test
    void rmseIsAtLeastMae() {
        SplittableRandom random = new SplittableRandom(1);
        for (int trial = 0; trial < 100; trial++) {
            int n = 1 + random.nextInt(50);
            double[] truth = random.doubles(n, -5, 5).toArray(), forecast = random.doubles(n, -5, 5).toArray();
            ForecastMetrics.Errors e = ForecastMetrics.errors(truth, forecast, random.doubles(20).toArray(), 1);
            assertTrue(e.rmse() >= e.mae() - 1e-12, e.toString());
        }
        // equal only when every error has the same size
        ForecastMetrics.Errors flat = ForecastMetrics.errors(new double[] {1, 2, 3}, new double[] {2, 1, 4}, new double[] {0, 1}, 1);
        assertEquals(flat.mae(), flat.rmse(), 1e-12);
    }

    @Test
    void seasonalNaiveOnAPerfectlyPeriodicSeriesHasNoError() {
        int m = 12, n = 120, h = 30;
        double[] y = new double[n + h];
        for (int t = 0; t < y.length; t++) {
            y[t] = 10 + Math.sin(2 * Math.PI * t / m) + (t % m == 3 ? 4 : 0);
        }
        double[] history = Arrays.copyOf(y, n), truth = Arrays.copyOfRange(y, n, n + h);
        ForecastMetrics.Errors multi = ForecastMetrics.errors(truth, ForecastMetrics.seasonalNaive(history, h, m), history, 1);
        ForecastMetrics.Errors rolling = ForecastMetrics.errors(truth, ForecastMetrics.seasonalNaiveOneStep(history, truth, m), history, 1);
        assertEquals(0, multi.mae(), 1e-12);
        assertEquals(0, multi.rmse(), 1e-12);
        assertEquals(0, rolling.mae(), 1e-12);
        // the naive forecast is not free on it
        assertTrue(ForecastMetrics.errors(truth, ForecastMetrics.naive(history, h), history, 1).mae() > 0.5);
    }
}
