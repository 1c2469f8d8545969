package dev.panamarnn.cli;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.data.TimeSeries;
import dev.panamarnn.examples.support.NetworkSize;
import dev.panamarnn.options.Range;
import dev.panamarnn.infer.Forecaster;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.ForecastMetrics;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import dev.panamarnn.model.TrainingListener;
import dev.panamarnn.model.TrainingStep;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rnn train series}: a next-value model ({@link Forecaster#model}) on a univariate series,
 * trained by the {@link Trainer} on windows of its training part ({@code SequenceDataset.nextValues}),
 * holding out its tail; the model file names the series and season length (metadata "series.*").
 */
@Command(name = "series", mixinStandardHelpOptions = true,
        description = "Train a forecaster on a CSV column (default: the embedded monthly sunspot numbers), holding out the last values.")
final class TrainSeriesCommand implements Callable<Integer> {
    @Option(names = "--csv", description = "CSV file with a header line; default: the embedded sunspot series.")
    String csv;
    @Option(names = "--column", defaultValue = "value", description = "CSV column of the series.")
    String column;
    @Option(names = "--holdout", defaultValue = "120", description = "Values held out at the end.")
    @Range(min = 1, max = 10000000)
    int holdout;
    @Option(names = "--period", defaultValue = "12", description = "Season length for the seasonal-naive baseline and MASE.")
    @Range(min = 1, max = 10000000)
    int period;
    @Option(names = "--cell", defaultValue = "lstm", description = "lstm, gru, gru_reset_before (ONNX's default GRU), rnn_tanh or rnn_relu.")
    String cell;
    @Option(names = "--hidden", defaultValue = "32", description = "Hidden units per layer.")
    @Range(min = 1, max = 8192)
    int hidden;
    @Option(names = "--layers", defaultValue = "1", description = "Stacked recurrent layers.")
    @Range(min = 1, max = 16)
    int layers;
    @Option(names = "--window", defaultValue = "48", description = "Past values each training example reads.")
    @Range(min = 1, max = 100000)
    int window;
    @Option(names = "--batch", defaultValue = "32", description = "Windows per training step.")
    @Range(min = 1, max = 4096)
    int batch;
    @Option(names = "--lr", defaultValue = "3e-3", description = "AdamW learning rate.")
    @Range(min = 1e-9, max = 10)
    double lr;
    @Option(names = "--steps", defaultValue = "1500", description = "Training steps.")
    @Range(min = 1, max = 1e12)
    long steps;
    @Option(names = "--out", defaultValue = "rnn-series", description = "Output directory.")
    Path out;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of every random choice.")
    long seed;
    @Mixin
    RunSafety safety;

    @Override
    public Integer call() throws Exception {
        NetworkSize.of(CellType.fromId(cell), 1, hidden, layers, false, 1, 0, 0, batch, window)
                .requireTrainable("--hidden " + hidden + " --layers " + layers + " --batch " + batch + " --window " + window);
        if (steps < 1 || window < 1 || batch < 1 || period < 1) {
            throw new IllegalArgumentException("--steps, --window, --batch and --period must be >= 1, got " + steps + ", " + window + ", "
                    + batch + ", " + period);
        }
        safety.prepare(out);
        Path file = out.resolve("series.safetensors");
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
        // the last tenth of the training part (at most --holdout values) validates during training
        int validation = Math.min(holdout, training.length / 10);
        double[] fit = Arrays.copyOf(training, training.length - validation);
        double[] check = Arrays.copyOfRange(training, training.length - validation, training.length);
        if (period >= fit.length) {
            throw new IllegalArgumentException("--period must be less than the " + fit.length + " values fitted (MASE compares with the "
                    + "seasonal naive forecast over them), got " + period);
        }
        System.out.printf("series %s: %d values; fitting the first %d, validating on the next %d, holding out the last %d%n",
                series.name(), series.length(), fit.length, validation, holdout);
        SequenceDataset windows = SequenceDataset.nextValues(fit, window);
        DataFingerprint fingerprint = DataFingerprint.of(fit);
        try (SequenceModel model = safety.resume != null ? safety.requireSameArchitecture(forecasting(safety.resume, fingerprint))
                : Forecaster.model(mean, std).cell(CellType.fromId(cell)).hidden(hidden).layers(layers).seed(seed).build();
             SeriesProgress progress = new SeriesProgress(model, fit, check, validation);
             Trainer trainer = safety.checkpoints(Trainer.builder(model).adamW(lr, 0).batchSize(batch).clipNorm(1.0).maxNonFiniteInARow(10)
                     .seed(seed).metadata(fingerprint.in(SeriesData.metadata(csv, column, holdout, period))).listener(progress), file).build()) {
            if (safety.resume != null) {
                trainer.resume(safety.resume);
                System.out.println("resumed from " + safety.resume + " at step " + trainer.step());
            }
            safety.create(out);
            safety.stopOnSignal(trainer);
            String reason = trainer.fit(windows, Budget.steps(steps)).reason();
            progress.close();
            if (safety.signalled() && reason.equals("stopped")) {
                trainer.checkpoint(file);
                RunSafety.reportStopped(System.out, file, "rnn train series");
                return 130;
            }
            if (validation > 0) {
                double naive = ForecastMetrics.errors(check, ForecastMetrics.naiveOneStep(fit, check), fit, period).mae();
                System.out.printf("validation (last %d training values): rolling 1-step MAE %.3f, naive %.3f%n", validation,
                        progress.validationMae(), naive);
            }
            trainer.checkpoint(file);                            // the model, its series metadata and the optimizer state
            System.out.println("model written to " + file);
            System.out.println("forecast the held-out tail with:\n  ./rnn forecast --model " + file + " --horizon " + holdout
                    + (csv == null ? "" : " --csv " + csv + " --column " + column));
        } finally {
            safety.done();
        }
        return 0;
    }

    /** The bar (normalised MSE) and the rolling one-step MAE on the validation part every 250 steps and at the end. */
    private final class SeriesProgress implements TrainingListener, AutoCloseable {
        private final SequenceModel model;
        private final double[] fit;
        private final double[] check;
        private final int validation;
        private final ProgressBar bar = new ProgressBarBuilder().setTaskName("training").setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate().build();
        private double smoothed = Double.NaN;
        private double mae = Double.NaN;

        SeriesProgress(SequenceModel model, double[] fit, double[] check, int validation) {
            this.model = model;
            this.fit = fit;
            this.check = check;
            this.validation = validation;
        }

        @Override
        public void onStep(TrainingStep r, int epoch) {
            if (!r.skipped()) {
                smoothed = Double.isNaN(smoothed) ? r.loss() : 0.95 * smoothed + 0.05 * r.loss();
            }
            bar.stepTo(r.step());
            bar.setExtraMessage(String.format(" mse %.4f (normalised)", smoothed));
            if (validation > 0 && (r.step() % 250 == 0 || r.step() == steps)) {
                try (Forecaster forecaster = new Forecaster(model)) {
                    mae = ForecastMetrics.errors(check, forecaster.oneStepForecasts(fit, check), fit, period).mae();
                }
                bar.setExtraMessage(String.format(" mse %.4f (normalised), validation 1-step MAE %.3f", smoothed, mae));
            }
        }

        double validationMae() {
            return mae;
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** The checkpoint's model, if it is a next-value model of this data (checked before anything is printed), or a clear error. */
    private static SequenceModel forecasting(Path checkpoint, DataFingerprint data) throws java.io.IOException {
        SequenceModel model = SequenceModel.load(checkpoint);
        try {
            ModelFiles.interpret(checkpoint, () -> new Forecaster(model)).close();
            data.requireSameAs(checkpoint);
            return model;
        } catch (RuntimeException | java.io.IOException e) {
            model.close();
            throw e;
        }
    }
}
