package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.infer.Forecaster;
import dev.panamarnn.kernels.KernelsForTests;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A next-value model of a series on the model layer: trained by the Trainer on windows of the
 * training part, its forecasts beat the naive forecast on a noisy seasonal signal; the forecaster's
 * rolling one-step forecasts are the model's own per-step predictions; the file round-trips.
 */
class SeriesTrainingTest {
    @TempDir
    Path dir;

    @Test
    void beatsTheNaiveForecastOnASeasonalSignalAndRoundTrips() throws Exception {
        int n = 600, holdout = 24, period = 12;
        double[] y = new double[n];
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        for (int t = 0; t < n; t++) {
            y[t] = 10 + 3 * Math.sin(2 * Math.PI * t / period) + 0.02 * t + 0.2 * random.nextGaussian();
        }
        double[] training = Arrays.copyOf(y, n - holdout), truth = Arrays.copyOfRange(y, n - holdout, n);
        double mean = Arrays.stream(training).average().orElseThrow();
        double std = Math.sqrt(Arrays.stream(training).map(v -> (v - mean) * (v - mean)).average().orElseThrow());
        Path file = dir.resolve("s.safetensors");
        double[] forecast;
        try (SequenceModel model = Forecaster.model(mean, std).cell(CellType.GRU).hidden(16).seed(3)
                .kernels(KernelsForTests.nativeKernels()).build();
             Trainer trainer = Trainer.builder(model).adamW(1e-2, 0).batchSize(16).seed(9).build()) {
            trainer.fit(SequenceDataset.nextValues(training, 36), Budget.steps(1000));
            try (Forecaster forecaster = new Forecaster(model)) {
                forecast = forecaster.forecast(training, holdout);
                // the rolling one-step forecasts are what predict gives at each step of the whole series
                double[] oneStep = forecaster.oneStepForecasts(training, truth);
                float[][] steps = new float[n - 1][1];
                for (int t = 0; t < n - 1; t++) {
                    steps[t][0] = (float) y[t];
                }
                float[] predicted = model.predict(SequenceDataset.ofInputs(List.<float[][]>of(steps)))[0];
                for (int i = 0; i < holdout; i++) {
                    assertEquals(predicted[n - holdout - 1 + i], oneStep[i], 1e-4 * (1 + Math.abs(oneStep[i])), "one-step forecast " + i);
                }
            }
            model.save(file);
        }
        var model = ForecastMetrics.errors(truth, forecast, training, period);
        var naive = ForecastMetrics.errors(truth, ForecastMetrics.naive(training, holdout), training, period);
        assertTrue(model.mae() < 0.7 * naive.mae(), "model " + model + " vs naive " + naive);
        try (SequenceModel again = SequenceModel.load(file); Forecaster forecaster = new Forecaster(again)) {
            assertArrayEquals(forecast, forecaster.forecast(training, holdout), 1e-4);
        }
    }
}
