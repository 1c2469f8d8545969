package dev.panamarnn.cli;

import dev.panamarnn.data.TimeSeries;
import dev.panamarnn.examples.support.Plots;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.Checkpoints;
import dev.panamarnn.model.ForecastMetrics;
import dev.panamarnn.model.SeriesModel;
import java.awt.Color;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rnn forecast}: forecasts the held-out tail of the series a model was trained on (or of
 * another CSV), compares multi-step and rolling one-step errors with the naive and seasonal-naive
 * baselines, and plots history, truth and forecasts.
 */
@Command(name = "forecast", mixinStandardHelpOptions = true, description = "Forecast with a series model and compare with naive baselines.")
final class ForecastCommand implements Callable<Integer> {
    @Option(names = "--model", required = true)
    Path model;
    @Option(names = "--horizon", description = "Values to forecast (default: the model's held-out tail).")
    Integer horizon;
    @Option(names = "--csv", description = "Series to forecast (default: the one the model was trained on).")
    String csv;
    @Option(names = "--column", description = "CSV column (default: the model's).")
    String column;
    @Option(names = "--png", description = "Plot file (default: forecast.png next to the model).")
    Path png;

    @Override
    public Integer call() throws Exception {
        Checkpoints.LoadedSeriesModel loaded = Checkpoints.loadSeriesModel(model, KernelSelection.selected());
        try (SeriesModel m = loaded.model()) {
            TimeSeries series = SeriesData.read(csv != null ? csv : loaded.source(), column != null ? column : loaded.column());
            int h = horizon != null ? horizon : loaded.holdout();
            if (h < 1 || h >= series.length() - 1) {
                throw new IllegalArgumentException("--horizon must be in [1, " + (series.length() - 2) + "], got " + h);
            }
            int split = series.length() - h;
            double[] history = Arrays.copyOf(series.values(), split);
            double[] truth = Arrays.copyOfRange(series.values(), split, series.length());
            int period = m.config().period();
            double[] multi = m.forecast(history, h);
            double[] oneStep = m.oneStepForecasts(history, truth);
            double[] naive = ForecastMetrics.naive(history, h);
            double[] seasonal = ForecastMetrics.seasonalNaive(history, h, period);
            double[] naiveOneStep = ForecastMetrics.naiveOneStep(history, truth);
            System.out.printf("%s: forecasting the last %d values from the %d before them (%s)%n", series.name(), h, split,
                    m.config().cell().id());
            System.out.printf("  %-34s %s%n", "model, " + h + "-step (fed back)", ForecastMetrics.errors(truth, multi, history, period));
            System.out.printf("  %-34s %s%n", "naive (last value)", ForecastMetrics.errors(truth, naive, history, period));
            System.out.printf("  %-34s %s%n", "seasonal naive (m=" + period + ")", ForecastMetrics.errors(truth, seasonal, history, period));
            System.out.printf("  %-34s %s%n", "model, rolling 1-step", ForecastMetrics.errors(truth, oneStep, history, period));
            System.out.printf("  %-34s %s%n", "naive, rolling 1-step", ForecastMetrics.errors(truth, naiveOneStep, history, period));
            System.out.println("first forecasts: " + Arrays.toString(Arrays.stream(Arrays.copyOf(multi, Math.min(6, h)))
                    .map(v -> Math.round(v * 100) / 100.0).toArray()));
            Path plot = png != null ? png : model.toAbsolutePath().resolveSibling("forecast.png");
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
