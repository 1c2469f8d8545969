package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.train.AdamW;
import dev.panamarnn.train.LearningRateSchedule;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The series forecaster learns a noisy seasonal signal well enough to beat the naive forecast, and round-trips through its file. */
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
        SeriesModel.Config config = new SeriesModel.Config(CellType.GRU, 16, 1, 3, mean, std, period);
        Path file = dir.resolve("s.safetensors");
        double[] forecast;
        try (SeriesModel model = new SeriesModel(config, KernelsForTests.nativeKernels());
             AdamW optimizer = new AdamW(model.kernels(), model.parameters(), model.gradients(),
                     LearningRateSchedule.constant(1e-2), 0.9, 0.999, 1e-8, 0);
             SeriesTrainer trainer = new SeriesTrainer(model, training, 36, 16, 1.0, optimizer, 9)) {
            for (int i = 0; i < 1000; i++) {
                trainer.trainStep();
            }
            forecast = model.forecast(training, holdout);
            Checkpoints.saveSeriesModel(file, model, "test", "value", holdout);
        }
        var model = ForecastMetrics.errors(truth, forecast, training, period);
        var naive = ForecastMetrics.errors(truth, ForecastMetrics.naive(training, holdout), training, period);
        assertTrue(model.mae() < 0.7 * naive.mae(), "model " + model + " vs naive " + naive);
        Checkpoints.LoadedSeriesModel loaded = Checkpoints.loadSeriesModel(file, KernelsForTests.nativeKernels());
        try (SeriesModel again = loaded.model()) {
            assertEquals(holdout, loaded.holdout());
            assertEquals(Arrays.toString(forecast), Arrays.toString(again.forecast(training, holdout)));
        }
    }
}
