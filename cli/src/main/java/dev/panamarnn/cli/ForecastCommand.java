package dev.panamarnn.cli;

import dev.panamarnn.data.TimeSeries;
import dev.panamarnn.examples.support.Plots;
import dev.panamarnn.options.Range;
import dev.panamarnn.examples.support.UserFiles;
import dev.panamarnn.infer.Forecaster;
import dev.panamarnn.model.ForecastMetrics;
import dev.panamarnn.model.SequenceModel;
import java.awt.Color;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rnn forecast}: forecasts the held-out tail of the embedded series a model was trained on
 * (or of the CSV named with --csv: a model file never chooses a file to read), compares multi-step and rolling one-step errors with the naive and seasonal-naive
 * baselines, and plots history, truth and forecasts.
 */
@Command(name = "forecast", mixinStandardHelpOptions = true, description = "Forecast with a series model and compare with naive baselines.")
final class ForecastCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "A model file written by `rnn train series`.")
    Path model;
    @Option(names = "--horizon", description = "Values to forecast (default: the model's held-out tail).")
    @Range(min = 1, max = 10000000)
    Integer horizon;
    @Option(names = "--csv", description = "Series to forecast (default: the one the model was trained on).")
    String csv;
    @Option(names = "--column", description = "CSV column (default: the model's).")
    String column;
    @Option(names = "--png", description = "Plot file (default: forecast.png next to the model).")
    Path png;

    @Option(names = "--period", description = "Season length for the seasonal-naive baseline and MASE (default: the model's, else 12).")
    @Range(min = 1, max = 10000000)
    Integer period;
    @Mixin
    PrecisionOption precision;

    /** Forecasts that overflowed (values far outside what the model was trained on) are an error, not a NaN in a table. */
    private static double[] requireFinite(double[] forecasts, String what) {
        for (int i = 0; i < forecasts.length; i++) {
            if (!Double.isFinite(forecasts[i])) {
                throw new IllegalArgumentException("the model's " + what + " " + (i + 1) + " is " + forecasts[i]
                        + ": the series' values are far outside the range the model was trained on");
            }
        }
        return forecasts;
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> metadata = SeriesModelFiles.metadata(UserFiles.regularFile(model, "model file"));
        Path plot = png != null ? png : model.toAbsolutePath().resolveSibling("forecast.png");
        UserFiles.outputFile(plot, "--png", model, csv == null || csv.startsWith("embedded:") ? null : Path.of(csv));
        try (SequenceModel m = SequenceModel.load(model); Forecaster forecaster = ModelFiles.interpret(model, () -> new Forecaster(m, precision.get()))) {
            // the data: --csv, or the embedded series the model was trained on; never a file the model file names
            String source = csv != null ? csv : SeriesModelFiles.embeddedSource(model, metadata);
            if (source == null) {
                throw new IllegalArgumentException("this model was not trained on an embedded series: name its data with --csv FILE --column NAME");
            }
            TimeSeries series = SeriesData.read(source, column != null ? column : metadata.getOrDefault("series.column", "value"));
            int h = horizon != null ? horizon : SeriesModelFiles.positive(model, metadata, "series.holdout", 12);
            if (h < 1 || h >= series.length() - 1) {
                throw new IllegalArgumentException("--horizon must be in [1, " + (series.length() - 2) + "], got " + h);
            }
            int season = period != null ? period : SeriesModelFiles.positive(model, metadata, "series.period", 12);
            if (season < 1) {
                throw new IllegalArgumentException("--period must be >= 1, got " + season);
            }
            int split = series.length() - h;
            double[] history = Arrays.copyOf(series.values(), split);
            double[] truth = Arrays.copyOfRange(series.values(), split, series.length());
            int period = season;
            double[] multi = requireFinite(forecaster.forecast(history, h), h + "-step forecast");
            double[] oneStep = requireFinite(forecaster.oneStepForecasts(history, truth), "rolling one-step forecast");
            double[] naive = ForecastMetrics.naive(history, h);
            double[] seasonal = ForecastMetrics.seasonalNaive(history, h, period);
            double[] naiveOneStep = ForecastMetrics.naiveOneStep(history, truth);
            System.out.printf("%s: forecasting the last %d values from the %d before them (%s, %s weights)%n", series.name(), h, split,
                    m.spec().cell().id(), PrecisionOption.name(forecaster.precision()));
            System.out.printf("  %-34s %s%n", "model, " + h + "-step (fed back)", ForecastMetrics.errors(truth, multi, history, period));
            System.out.printf("  %-34s %s%n", "naive (last value)", ForecastMetrics.errors(truth, naive, history, period));
            System.out.printf("  %-34s %s%n", "seasonal naive (m=" + period + ")", ForecastMetrics.errors(truth, seasonal, history, period));
            System.out.printf("  %-34s %s%n", "model, rolling 1-step", ForecastMetrics.errors(truth, oneStep, history, period));
            System.out.printf("  %-34s %s%n", "naive, rolling 1-step", ForecastMetrics.errors(truth, naiveOneStep, history, period));
            System.out.println("first forecasts: " + Arrays.stream(Arrays.copyOf(multi, Math.min(6, h)))
                    .mapToObj(v -> String.format("%.2f", v)).collect(java.util.stream.Collectors.joining(", ", "[", "]")));
            int shown = Math.min(split, 4 * h);
            double[] t = series.time();
            Plots.lines(plot, "Forecast of " + series.name(), "time", "value", List.of(
                    new Plots.Line("history", Arrays.copyOfRange(t, split - shown, split), Arrays.copyOfRange(history, split - shown, split), Color.DARK_GRAY),
                    new Plots.Line("truth", Arrays.copyOfRange(t, split, t.length), truth, Color.BLACK),
                    new Plots.Line("model " + h + "-step", Arrays.copyOfRange(t, split, t.length), multi, new Color(0xd62728)),
                    new Plots.Line("model rolling 1-step", Arrays.copyOfRange(t, split, t.length), oneStep, new Color(0x2ca02c)),
                    new Plots.Line("seasonal naive", Arrays.copyOfRange(t, split, t.length), seasonal, new Color(0x1f77b4))));
            System.out.println("plot written to " + plot);
        }
        return 0;
    }
}
