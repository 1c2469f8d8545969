package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.panamarnn.model.ForecastMetrics;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Preprocessing and the held-out split: exact inverses, and nothing of the tail reaches the training input. */
class SeriesTransformTest {
    private static double[] airlineLike(int n) {
        double[] y = new double[n];
        for (int t = 0; t < n; t++) {
            y[t] = 100 * Math.exp(0.01 * t) * (1 + 0.2 * Math.sin(2 * Math.PI * t / 12));
        }
        return y;
    }

    @Test
    void byHand() {
        SeriesTransform diff = new SeriesTransform(false, 2);
        assertArrayEquals(new double[] {2, 4, 3}, diff.apply(new double[] {1, 2, 3, 6, 6}), 1e-12);   // 3-1, 6-2, 6-3
        assertArrayEquals(new double[] {0, Math.log(2)}, new SeriesTransform(true, 0).apply(new double[] {1, 2}), 1e-12);
        assertEquals("log, difference at lag 12", new SeriesTransform(true, 12).description());
        assertEquals("none", SeriesTransform.NONE.description());
        assertThrows(IllegalArgumentException.class, () -> new SeriesTransform(true, 0).apply(new double[] {1, 0}));
    }

    @Test
    void theTrueTransformedValuesInvertToTheTruth() {
        double[] y = airlineLike(150);
        int n = 120;
        double[] history = Arrays.copyOf(y, n), tail = Arrays.copyOfRange(y, n, y.length);
        for (SeriesTransform transform : new SeriesTransform[] {SeriesTransform.NONE, new SeriesTransform(true, 0),
                new SeriesTransform(false, 12), new SeriesTransform(true, 12)}) {
            double[] all = transform.apply(y);
            double[] future = Arrays.copyOfRange(all, all.length - tail.length, all.length);
            // a perfect forecaster of d gives back y, multi-step (h = 30 > one season) and rolling
            assertArrayEquals(tail, transform.invertForecast(history, future), 1e-9, transform.description());
            assertArrayEquals(tail, transform.invertOneStep(history, tail, future), 1e-9, transform.description());
        }
    }

    @Test
    void aZeroSeasonalDifferenceIsTheSeasonalNaiveForecast() {
        double[] y = airlineLike(150);
        double[] history = Arrays.copyOf(y, 120), tail = Arrays.copyOfRange(y, 120, 150);
        double[] zeros = new double[tail.length];
        SeriesTransform diff = new SeriesTransform(false, 12);
        assertArrayEquals(ForecastMetrics.seasonalNaive(history, tail.length, 12), diff.invertForecast(history, zeros), 1e-9);
        assertArrayEquals(ForecastMetrics.seasonalNaiveOneStep(history, tail, 12), diff.invertOneStep(history, tail, zeros), 1e-9);
    }

    @Test
    void theTrainingInputIsComputedFromTheHistoryAlone() throws Exception {
        for (ForecastSeries spec : new ForecastSeries[] {ForecastSeries.SUNSPOTS, ForecastSeries.AIRLINE, ForecastSeries.CO2}) {
            double[] y = spec.read().values();
            ForecastSeries.Split split = spec.split(y);
            int n = y.length - spec.horizon();
            assertEquals(spec.horizon(), split.truth().length);
            assertArrayEquals(Arrays.copyOf(y, n), split.history());
            assertArrayEquals(Arrays.copyOfRange(y, n, y.length), split.truth());
            assertEquals(n - spec.transform().lag(), split.trainingInput().length);
            assertEquals(spec.horizon(), split.tailInput().length);
            // change every held-out value: the training input must not move
            double[] changed = y.clone();
            for (int t = n; t < y.length; t++) {
                changed[t] = changed[t] * 3 + 7;
            }
            assertArrayEquals(split.trainingInput(), spec.split(changed).trainingInput(), 0.0, spec.id());
        }
    }

    @Test
    void tooShortAHistoryIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ForecastSeries.AIRLINE.withHorizon(130).split(airlineLike(144)));
    }
}
