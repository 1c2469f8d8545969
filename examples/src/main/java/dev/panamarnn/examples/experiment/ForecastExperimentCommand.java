package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.data.TimeSeries;
import dev.panamarnn.examples.support.NetworkSize;
import dev.panamarnn.examples.support.Plots;
import dev.panamarnn.options.Range;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.ForecastMetrics;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.infer.Forecaster;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import dev.panamarnn.model.TrainingListener;
import dev.panamarnn.model.TrainingStep;

import java.time.Duration;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rnn experiment forecast}: LSTM and GRU forecasters (next-value models, {@link Forecaster#model},
 * trained by the {@link Trainer} on windows of the preprocessed history only) against the naive and seasonal-naive
 * forecasts on the held-out tail of real series, multi-step (h steps from the end of the history,
 * predictions fed back) and rolling one-step (each value forecast after observing the ones before
 * it). Prints one table per series (MAE, RMSE, MASE), writes forecast-&lt;series&gt;.png and
 * forecast.json.
 */
@Command(name = "forecast", mixinStandardHelpOptions = true,
        description = {"Forecast the held-out tail of real series (sunspots, airline passengers, Mauna Loa CO2) with LSTM and GRU,",
                "against the naive and seasonal-naive forecasts: multi-step and rolling one-step MAE, RMSE, MASE.",
                "The budget is shared evenly by the networks; each stops at --steps or when its share runs out."})
public final class ForecastExperimentCommand implements Callable<Integer> {
    @Mixin
    ExperimentOptions options = new ExperimentOptions();

    @Option(names = "--series", split = ",", defaultValue = "sunspots,airline,co2", description = "sunspots, airline, co2 (default: all three).")
    List<String> series;
    @Option(names = "--cells", split = ",", defaultValue = "lstm,gru", description = "Recurrent cells.")
    List<String> cells;
    @Option(names = "--horizon", description = "Values held out at the end of every series (default: sunspots 120, airline 24, co2 60).")
    @Range(min = 1, max = 100000)
    Integer horizon;
    @Option(names = "--transform", defaultValue = "auto",
            description = "auto: the preprocessing fixed per series (airline: log + lag-12 difference; co2: lag-12 difference; sunspots: none); none: raw values.")
    String transform;
    @Option(names = "--hidden", defaultValue = "32", description = "Hidden units of every network.")
    @Range(min = 1, max = 4096)
    int hidden;
    @Option(names = "--steps", defaultValue = "800", description = "Training steps per network at most.")
    @Range(min = 1, max = 1e12)
    long steps;
    @Option(names = "--batch", defaultValue = "32", description = "Windows per training step.")
    @Range(min = 1, max = 4096)
    int batch;
    @Option(names = "--lr", defaultValue = "3e-3", description = "Adam learning rate of every network.")
    @Range(min = 1e-9, max = 10)
    double lr;

    @Override
    public Integer call() throws Exception {
        options.requireWritableOutput();
        long start = System.nanoTime();
        long budget = options.budget().toNanos();
        if (steps < 1 || hidden < 1 || batch < 1) {
            throw new IllegalArgumentException("--steps, --hidden and --batch must be >= 1, got " + steps + ", " + hidden + ", " + batch);
        }
        if (!transform.equals("auto") && !transform.equals("none")) {
            throw new IllegalArgumentException("--transform must be auto or none, got '" + transform + "'");
        }
        List<ForecastSeries> specs = new ArrayList<>();
        for (String id : series) {
            ForecastSeries s = ForecastSeries.fromId(id);
            s = horizon != null ? s.withHorizon(horizon) : s;
            specs.add(transform.equals("none") ? s.withTransform(SeriesTransform.NONE) : s);
        }
        List<CellType> cellList = cells.stream().map(CellType::fromId).distinct().toList();
        int longest = specs.stream().mapToInt(ForecastSeries::window).max().orElse(1);
        for (CellType cell : cellList) {                      // the largest network of the run, before any series is read
            NetworkSize.of(cell, 1, hidden, 1, false, 1, 0, 0, batch, longest)
                    .requireTrainable("--hidden " + hidden + " --batch " + batch + " (" + cell.id() + ", windows of " + longest + " values)");
        }
        ExperimentReport report = new ExperimentReport("forecast", options)
                .setting("series", specs.stream().map(ForecastSeries::id).toList())
                .setting("cells", cellList.stream().map(CellType::id).toList())
                .setting("hidden", hidden).setting("max_steps", steps).setting("batch", batch).setting("lr", lr)
                .setting("transform", transform);
        int networksLeft = specs.size() * cellList.size();
        for (ForecastSeries spec : specs) {
            TimeSeries data = spec.read();
            ForecastSeries.Split split = spec.split(data.values());
            double[] history = split.history(), truth = split.truth();
            int h = truth.length, m = spec.seasonalPeriod(), scale = spec.scalePeriod();
            System.out.printf("%s: %d values; forecasting the last %d from the %d before them; networks see: %s%n",
                    spec.id(), data.length(), h, history.length, spec.transform().description());
            List<List<String>> rows = new ArrayList<>();
            rows.add(row("naive (last value)", "-", ForecastMetrics.naive(history, h),
                    ForecastMetrics.naiveOneStep(history, truth), truth, history, scale));
            double[] seasonal = ForecastMetrics.seasonalNaive(history, h, m);
            rows.add(row("seasonal naive (m=" + m + ")", "-", seasonal,
                    ForecastMetrics.seasonalNaiveOneStep(history, truth, m), truth, history, scale));
            // what a network would forecast if it learned nothing but the mean of its input: for a
            // lag-m difference this is seasonal naive plus the average yearly change (drift)
            double inputMean = Arrays.stream(split.trainingInput()).average().orElseThrow();
            double[] constant = new double[h];
            Arrays.fill(constant, inputMean);
            double[] drift = spec.transform().invertForecast(history, constant);
            if (spec.transform().lag() > 0) {
                rows.add(row("seasonal naive + drift (mean of the network input)", "-", drift,
                        spec.transform().invertOneStep(history, truth, constant), truth, history, scale));
            } else {
                rows.add(row("historical mean", "-", spec.transform().invertForecast(history, constant),
                        spec.transform().invertOneStep(history, truth, constant), truth, history, scale));
            }
            double[] t = data.time();
            int shown = Math.min(history.length, Math.max(3 * h, 96));
            double[] tailTime = Arrays.copyOfRange(t, history.length, t.length);
            List<Plots.Line> lines = new ArrayList<>(List.of(
                    new Plots.Line("history", Arrays.copyOfRange(t, history.length - shown, history.length),
                            Arrays.copyOfRange(history, history.length - shown, history.length), Color.DARK_GRAY),
                    new Plots.Line("truth (held out)", tailTime, truth, Color.BLACK),
                    new Plots.Line("seasonal naive (m=" + m + ")", tailTime, seasonal, new Color(0x1f77b4))));
            if (spec.transform().lag() > 0) {
                lines.add(new Plots.Line("seasonal naive + drift", tailTime, drift, new Color(0x9467bd)));
            }
            Color[][] colors = {{new Color(0xd62728), new Color(0xff9896)}, {new Color(0x2ca02c), new Color(0x98df8a)}};
            int c = 0;
            for (CellType cell : cellList) {
                long now = System.nanoTime();
                long deadline = now + Math.max(0, budget - (now - start)) / networksLeft--;
                Forecasts f = train(spec, cell, split, deadline);
                rows.add(row(cell.id() + " (H=" + hidden + ")", Long.toString(f.steps), f.multi, f.oneStep, truth, history, scale));
                Color[] pair = colors[c++ % colors.length];
                lines.add(new Plots.Line(cell.id() + " " + h + "-step", tailTime, f.multi, pair[0]));
                lines.add(new Plots.Line(cell.id() + " rolling 1-step", tailTime, f.oneStep, pair[1]));
            }
            report.table(spec.id() + ": last " + h + " values held out; networks see " + spec.transform().description()
                            + "; MASE scaled by the in-sample " + (scale == 1 ? "naive" : "seasonal-naive (m=" + scale + ")") + " MAE",
                    List.of("method", "steps", h + "-step MAE", h + "-step RMSE", h + "-step MASE", "1-step MAE", "1-step RMSE", "1-step MASE"),
                    rows);
            Path png = options.outputDirectory().resolve("forecast-" + spec.id() + ".png");
            Plots.lines(png, spec.id() + ": held-out " + h + " values, " + h + "-step and rolling 1-step forecasts", "time", "value", lines);
            report.figure(png);
            report.setting(spec.id() + "_transform", spec.transform().description());
            report.setting(spec.id() + "_horizon", h);
            report.setting(spec.id() + "_window", spec.window());
        }
        report.print(System.out);
        Path json = report.writeJson(options.outputDirectory());
        System.out.println("results: " + json);
        return 0;
    }

    /** A network's forecasts of the held-out values, mapped back to the series' units. */
    private record Forecasts(long steps, double[] multi, double[] oneStep) {}

    private Forecasts train(ForecastSeries spec, CellType cell, ForecastSeries.Split split, long deadline) {
        double[] input = split.trainingInput();
        double mean = Arrays.stream(input).average().orElseThrow();
        double std = Math.sqrt(Arrays.stream(input).map(v -> (v - mean) * (v - mean)).average().orElseThrow());
        long begin = System.nanoTime();
        double[] smoothed = {Double.NaN};
        try (SequenceModel model = Forecaster.model(mean, std).cell(cell).hidden(hidden).seed(options.seed()).build();
             Trainer trainer = Trainer.builder(model).adamW(lr, 0).batchSize(batch).clipNorm(1.0).maxNonFiniteInARow(10)
                     .seed(options.seed()).listener(new TrainingListener() {
                         @Override
                         public void onStep(TrainingStep step, int epoch) {
                             smoothed[0] = Double.isNaN(smoothed[0]) ? step.loss() : 0.98 * smoothed[0] + 0.02 * step.loss();
                         }
                     }).build()) {
            long left = Math.max(1, deadline - System.nanoTime());
            trainer.fit(SequenceDataset.nextValues(input, spec.window()), Budget.time(Duration.ofNanos(left)).orSteps(steps));
            int h = split.truth().length;
            try (Forecaster forecaster = new Forecaster(model)) {
                double[] multi = spec.transform().invertForecast(split.history(), forecaster.forecast(input, h));
                double[] oneStep = spec.transform().invertOneStep(split.history(), split.truth(),
                        forecaster.oneStepForecasts(input, split.tailInput()));
                System.out.printf("  %-12s %5d steps %6.1f s  training mse %.4f (normalised)%n", cell.id(), trainer.step(),
                        (System.nanoTime() - begin) / 1e9, smoothed[0]);
                return new Forecasts(trainer.step(), multi, oneStep);
            }
        }
    }

    private static List<String> row(String method, String steps, double[] multi, double[] oneStep, double[] truth,
                                    double[] history, int scale) {
        ForecastMetrics.Errors a = ForecastMetrics.errors(truth, multi, history, scale);
        ForecastMetrics.Errors b = ForecastMetrics.errors(truth, oneStep, history, scale);
        return List.of(method, steps, f(a.mae()), f(a.rmse()), f(a.mase()), f(b.mae()), f(b.rmse()), f(b.mase()));
    }

    private static String f(double v) {
        return String.format("%.3f", v);
    }
}
