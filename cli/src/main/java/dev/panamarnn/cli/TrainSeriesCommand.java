package dev.panamarnn.cli;

import dev.panamarnn.CellType;
import dev.panamarnn.data.TimeSeries;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.Checkpoints;
import dev.panamarnn.model.ForecastMetrics;
import dev.panamarnn.model.SeriesModel;
import dev.panamarnn.model.SeriesTrainer;
import dev.panamarnn.train.AdamW;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rnn train series}: a one-step-ahead forecaster on a univariate series, holding out its tail. */
@Command(name = "series", mixinStandardHelpOptions = true,
        description = "Train a forecaster on a CSV column (default: the embedded monthly sunspot numbers), holding out the last values.")
final class TrainSeriesCommand implements Callable<Integer> {
    @Option(names = "--csv", description = "CSV file with a header line; default: the embedded sunspot series.")
    String csv;
    @Option(names = "--column", defaultValue = "value")
    String column;
    @Option(names = "--holdout", defaultValue = "120", description = "Values held out at the end (default: ${DEFAULT-VALUE}).")
    int holdout;
    @Option(names = "--period", defaultValue = "12", description = "Season length for the seasonal-naive baseline and MASE.")
    int period;
    @Option(names = "--cell", defaultValue = "lstm")
    String cell;
    @Option(names = "--hidden", defaultValue = "32")
    int hidden;
    @Option(names = "--layers", defaultValue = "1")
    int layers;
    @Option(names = "--window", defaultValue = "48")
    int window;
    @Option(names = "--batch", defaultValue = "32")
    int batch;
    @Option(names = "--lr", defaultValue = "3e-3")
    double lr;
    @Option(names = "--steps", defaultValue = "1500")
    long steps;
    @Option(names = "--out", defaultValue = "rnn-series")
    Path out;
    @Option(names = "--seed", defaultValue = "42")
    long seed;

    @Override
    public Integer call() throws Exception {
        TimeSeries series = SeriesData.read(csv, column);
        if (holdout < 1 || holdout >= series.length() - window - 1) {
            throw new IllegalArgumentException("--holdout must leave at least " + (window + 1) + " training values; the series has "
                    + series.length() + ", holdout " + holdout);
        }
        double[] training = Arrays.copyOf(series.values(), series.length() - holdout);
        double mean = Arrays.stream(training).average().orElseThrow();
        double std = Math.sqrt(Arrays.stream(training).map(v -> (v - mean) * (v - mean)).average().orElseThrow());
        if (!(std > 0)) {
            throw new IllegalArgumentException("the training part of " + series.name() + " is constant; nothing to learn");
        }
        SeriesModel.Config config = new SeriesModel.Config(CellType.fromId(cell), hidden, layers, seed, mean, std, period);
        // the last tenth of the training part (at most --holdout values) validates during training
        int validation = Math.min(holdout, training.length / 10);
        double[] fit = Arrays.copyOf(training, training.length - validation);
        double[] check = Arrays.copyOfRange(training, training.length - validation, training.length);
        System.out.printf("series %s: %d values; fitting the first %d, validating on the next %d, holding out the last %d%n",
                series.name(), series.length(), fit.length, validation, holdout);
        try (SeriesModel model = new SeriesModel(config, KernelSelection.selected());
             AdamW optimizer = new AdamW(model.kernels(), model.parameters(), model.gradients(),
                     dev.panamarnn.train.LearningRateSchedule.constant(lr), 0.9, 0.999, 1e-8, 0.0);
             SeriesTrainer trainer = new SeriesTrainer(model, fit, window, batch, 1.0, optimizer, seed);
             ProgressBar bar = new ProgressBarBuilder().setTaskName("training").setInitialMax(steps)
                     .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate().build()) {
            double smoothed = Double.NaN;
            double lastValidation = Double.NaN;
            while (trainer.step() < steps) {
                dev.panamarnn.model.TrainingStep r = trainer.trainStep();
                smoothed = Double.isNaN(smoothed) ? r.loss() : 0.95 * smoothed + 0.05 * r.loss();
                bar.stepTo(r.step());
                bar.setExtraMessage(String.format(" mse %.4f (normalised)", smoothed));
                if (validation > 0 && (r.step() % 250 == 0 || r.step() == steps)) {
                    double mae = ForecastMetrics.errors(check, model.oneStepForecasts(fit, check), fit, period).mae();
                    bar.setExtraMessage(String.format(" mse %.4f (normalised), validation 1-step MAE %.3f", smoothed, mae));
                    lastValidation = mae;
                }
            }
            bar.close();
            if (validation > 0) {
                double naive = ForecastMetrics.errors(check, ForecastMetrics.naiveOneStep(fit, check), fit, period).mae();
                System.out.printf("validation (last %d training values): rolling 1-step MAE %.3f, naive %.3f%n", validation, lastValidation, naive);
            }
            java.nio.file.Files.createDirectories(out);
            Path file = out.resolve("series.safetensors");
            Checkpoints.saveSeriesModel(file, model, csv == null ? SeriesData.EMBEDDED : Path.of(csv).toAbsolutePath().toString(),
                    column, holdout);
            System.out.println("model written to " + file);
            System.out.println("forecast the held-out tail with:\n  ./rnn forecast --model " + file + " --horizon " + holdout);
        }
        return 0;
    }
}
