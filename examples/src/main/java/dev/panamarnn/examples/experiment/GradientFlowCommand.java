package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.examples.support.NetworkSize;
import dev.panamarnn.examples.support.Plots;
import dev.panamarnn.options.Range;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.train.Sgd;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rnn experiment gradients}: how the gradient of a loss on the last step flows back through
 * time in freshly initialised RNN (tanh), LSTM and GRU layers — ||dL/dh_t|| against t over T steps
 * ({@link GradientNorms}) — how the spectral radius of the RNN's W_hh decides between vanishing and
 * exploding, and what gradient-norm clipping does to training in an exploding case.
 */
@Command(name = "gradients", mixinStandardHelpOptions = true, defaultValueProvider = GradientFlowCommand.Defaults.class,
        description = {"Gradient flow through time: ||dL/dh_t|| vs t for RNN, LSTM and GRU at initialisation (loss on the last step),",
                "the same cells after brief training on the adding problem, the RNN at several spectral radii of W_hh, and training an",
                "exploding RNN on the adding problem with and without gradient clipping. The budget (default 120 s here) goes to training:",
                "half to the brief training of the three cells (a sixth each, stopping early once test MSE < 0.01), half to the two clipping runs (a quarter each, at most",
                "--max-steps). The curves themselves take a few seconds and are not counted."})
public final class GradientFlowCommand implements Callable<Integer> {
    /** This command's default budget. */
    public static final class Defaults implements picocli.CommandLine.IDefaultValueProvider {
        @Override
        public String defaultValue(picocli.CommandLine.Model.ArgSpec argument) {
            return argument.isOption() && ((picocli.CommandLine.Model.OptionSpec) argument).longestName().equals("--budget") ? "120" : null;
        }
    }

    private static final Color[] COLORS = {new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C), new Color(0x9467BD),
            new Color(0xFF7F0E), new Color(0x8C564B), new Color(0x17BECF)};

    @Mixin
    ExperimentOptions options = new ExperimentOptions();

    @Option(names = "--length", defaultValue = "200", description = "Sequence length T of the gradient-norm curves.")
    @Range(min = 1, max = 100000)
    int length;
    @Option(names = "--hidden", defaultValue = "32", description = "Hidden size H of every cell in the gradient-norm curves.")
    @Range(min = 1, max = 4096)
    int hidden;
    @Option(names = "--sequences", defaultValue = "16", description = "Input sequences averaged over (geometric mean of the norms).")
    @Range(min = 1, max = 4096)
    int sequences;
    @Option(names = "--radii", split = ",", defaultValue = "0.5,0.9,1.0,1.5,3.0",
            description = "Spectral radii of W_hh for the RNN sweep.")
    @Range(min = 0.001, max = 100)
    double[] radii;
    @Option(names = "--clip-radius", defaultValue = "1.5", description = "Spectral radius of W_hh in the clipping runs.")
    @Range(min = 0.001, max = 100)
    double clipRadius;
    @Option(names = "--clip-norm", defaultValue = "1.0", description = "Maximum global gradient norm in the clipped run.")
    @Range(min = 1e-6, max = 1e6)
    double clipNorm;
    @Option(names = "--clip-length", defaultValue = "50", description = "Adding-problem length T of the clipping runs.")
    @Range(min = 2, max = 100000)
    int clipLength;
    @Option(names = "--clip-hidden", defaultValue = "64", description = "Hidden size of the clipping runs.")
    @Range(min = 1, max = 4096)
    int clipHidden;
    @Option(names = "--lr", defaultValue = "0.05", description = "SGD learning rate of the clipping runs.")
    @Range(min = 1e-9, max = 10)
    double lr;
    @Option(names = "--train-length", defaultValue = "50", description = "Adding-problem length T of the brief training before the second curves.")
    @Range(min = 2, max = 100000)
    int trainLength;
    @Option(names = "--max-steps", defaultValue = "600", description = "Steps per clipping run at most (the budget may stop it earlier).")
    @Range(min = 1, max = 1000000000)
    int maxSteps;

    /** The gradient-norm curve of one network: geometric mean over the sequences of ||dL/dh_t||, t = 0..T. */
    record Curve(String name, double[] norms) {}

    @Override
    public Integer call() throws Exception {
        options.requireWritableOutput();
        if (length < 1 || hidden < 1 || sequences < 1 || trainLength < 2 || clipLength < 2 || clipHidden < 1 || maxSteps < 1 || !(lr > 0) || !(clipNorm > 0)) {
            throw new IllegalArgumentException("--length, --hidden, --sequences, --clip-hidden, --max-steps must be >= 1, --clip-length >= 2,"
                    + " --lr and --clip-norm > 0, --train-length >= 2");
        }
        NetworkSize.of(CellType.LSTM, AddingProblem.INPUTS, Math.max(hidden, clipHidden), 1, false, 1, 0, 0, sequences, Math.max(length, clipLength))
                .requireTrainable("--hidden " + hidden + " --clip-hidden " + clipHidden + " --sequences " + sequences + " --length " + length);
        long started = System.nanoTime();
        long seed = options.seed();
        Path out = options.outputDirectory();
        ExperimentReport report = new ExperimentReport("gradients", options)
                .setting("length", length).setting("hidden", hidden).setting("sequences", sequences)
                .setting("inputs", "adding-problem sequences (value U(0,1), marker channel)")
                .setting("loss", "L = u . h_T, u a random unit vector per sequence");
        float[] x = new float[length * sequences * AddingProblem.INPUTS];
        AddingProblem.generate(x, new float[sequences], Math.max(2, length), sequences, new SplittableRandom(seed));
        float[] direction = unitDirections(sequences, hidden, new SplittableRandom(seed + 1));
        System.out.printf(Locale.ROOT, "gradient norms: T=%d, H=%d, %d sequences, loss on h_T only%n", length, hidden, sequences);

        // 1. the three cells at initialisation
        List<Curve> cells = new ArrayList<>();
        List<List<String>> cellRows = new ArrayList<>();
        for (String variant : new String[] {"rnn_tanh", "lstm", "lstm, forget bias +1", "gru"}) {
            CellType cell = CellType.fromId(variant.split(",")[0]);
            try (Rnn rnn = Rnn.create(RnnConfig.builder(cell, AddingProblem.INPUTS, hidden).seed(seed).build())) {
                if (variant.contains("forget bias")) {
                    addForgetBias(rnn, 1.0);
                }
                GradientNorms.Result result = GradientNorms.compute(rnn, x, length, sequences, direction, 1);
                double[] norms = new double[length + 1];
                for (int t = 0; t <= length; t++) {
                    norms[t] = result.geometricMeanNorm(t);
                }
                cells.add(new Curve(variant, norms));
                String radius = "—", norm = "—";
                if (cell.gates() == 1) {
                    float[] w = rnn.parameter("weight_hh_l0").toArray();
                    radius = fmt(SpectralRadius.of(w, hidden));
                    norm = fmt(SpectralRadius.spectralNorm(w, hidden));
                }
                cellRows.add(row(variant, radius, norm, norms));
                if (cell.hasCellState()) {
                    double[] cellNorms = new double[length + 1];
                    for (int t = 0; t <= length; t++) {
                        cellNorms[t] = result.geometricMeanCellNorm(t);
                    }
                    cells.add(new Curve(variant + ": dL/dc_t", cellNorms));
                    cellRows.add(row(variant + ": ‖dL/dc_t‖", "—", "—", cellNorms));
                }
            }
        }
        report.table("‖dL/dh_t‖ at initialisation (geometric mean over " + sequences + " sequences; ‖dL/dh_T‖ = 1), T = " + length
                + ", H = " + hidden, columns("cell"), cellRows);
        Path cellsPng = out.resolve("gradients-cells.png");
        plot(cellsPng, "||dL/dh_t|| at initialisation, loss on the last step (T = " + length + ", H = " + hidden + ")", cells);
        report.figure(cellsPng);

        // 2. the same cells after brief training on the adding problem; dL/dh_T along the trained head's weight
        double trainSeconds = options.budget().toNanos() / 1e9 / 6;
        List<Curve> trained = new ArrayList<>();
        List<List<String>> trainedRows = new ArrayList<>();
        for (CellType cell : new CellType[] {CellType.RNN_TANH, CellType.LSTM, CellType.GRU}) {
            MemoryTask adding = MemoryTask.adding(trainLength);
            try (SequenceModel model = adding.model(cell, hidden, seed);
                 dev.panamarnn.train.Adam adam = new dev.panamarnn.train.Adam(model.kernels(), model.parameters(), model.gradients(), 3e-3);
                 MemoryTrainer trainer = new MemoryTrainer(model, adding, 32, 512, adam, 1.0, seed + 3)) {
                long start = System.nanoTime();
                double mse = trainer.evaluate().loss();
                while (!adding.solved(mse, Double.NaN) && (System.nanoTime() - start) / 1e9 < trainSeconds) {
                    trainer.trainStep();
                    if (trainer.step() % 50 == 0) {
                        mse = trainer.evaluate().loss();                  // stop once solved (test MSE < 0.01)
                    }
                }
                if (trainer.step() % 50 != 0) {
                    mse = trainer.evaluate().loss();
                }
                float[] head = model.head().linears()[0].weight().toArray(); // (1, H): dL/dh_T is proportional to it
                float[] along = new float[sequences * hidden];
                double length2 = 0;
                for (float v : head) {
                    length2 += (double) v * v;
                }
                for (int i = 0; i < along.length; i++) {
                    along[i] = (float) (head[i % hidden] / Math.sqrt(length2));
                }
                GradientNorms.Result result = GradientNorms.compute(model.rnn(), x, length, sequences, along, 1);
                double[] norms = new double[length + 1];
                for (int t = 0; t <= length; t++) {
                    norms[t] = result.geometricMeanNorm(t);
                }
                String name = cell.id() + " (" + trainer.step() + " steps, test MSE " + fmt(mse) + ")";
                trained.add(new Curve(name, norms));
                String radius = "—", norm = "—";
                if (cell.gates() == 1) {
                    float[] w = model.rnn().parameter("weight_hh_l0").toArray();
                    radius = fmt(SpectralRadius.of(w, hidden));
                    norm = fmt(SpectralRadius.spectralNorm(w, hidden));
                }
                trainedRows.add(row(name, radius, norm, norms));
                System.out.printf(Locale.ROOT, "trained %s on adding T=%d: %d steps in %.1f s, test MSE %s%n", cell.id(), trainLength,
                        trainer.step(), (System.nanoTime() - start) / 1e9, fmt(mse));
            }
        }
        report.table("‖dL/dh_t‖ after brief training on the adding problem (T = " + trainLength + ", Adam 3e-3, batch 32, until test MSE < 0.01 or "
                + String.format(Locale.ROOT, "%.0f", trainSeconds) + " s), same inputs, T = " + length + ", dL/dh_T along the head's weight",
                columns("cell (training)"), trainedRows);
        Path trainedPng = out.resolve("gradients-trained.png");
        plot(trainedPng, "||dL/dh_t|| after brief training on the adding problem (T = " + trainLength + "), measured over T = " + length, trained);
        report.figure(trainedPng);

        // 3. the RNN with W_hh rescaled to given spectral radii
        List<Curve> sweep = new ArrayList<>();
        List<List<String>> sweepRows = new ArrayList<>();
        for (double r : radii) {
            if (!(r > 0)) {
                throw new IllegalArgumentException("--radii must be positive, got " + r);
            }
            try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.RNN_TANH, AddingProblem.INPUTS, hidden).seed(seed).build())) {
                float[] w = scaleToRadius(rnn, r);
                GradientNorms.Result result = GradientNorms.compute(rnn, x, length, sequences, direction, 1);
                double[] norms = new double[length + 1];
                for (int t = 0; t <= length; t++) {
                    norms[t] = result.geometricMeanNorm(t);
                }
                sweep.add(new Curve("rnn, rho(W_hh) = " + fmt(r), norms));
                sweepRows.add(row("rnn_tanh", fmt(SpectralRadius.of(w, hidden)), fmt(SpectralRadius.spectralNorm(w, hidden)), norms));
            }
        }
        report.table("RNN (tanh) with W_hh rescaled to a spectral radius, same T, H and inputs", columns("cell"), sweepRows);
        Path sweepPng = out.resolve("gradients-rnn-radius.png");
        plot(sweepPng, "RNN (tanh): ||dL/dh_t|| for W_hh scaled to spectral radius rho (T = " + length + ", H = " + hidden + ")", sweep);
        report.figure(sweepPng);
        System.out.printf(Locale.ROOT, "gradient norms done in %.1f s%n", (System.nanoTime() - started) / 1e9);

        // 4. an exploding RNN trained with and without clipping
        double perRun = options.budget().toNanos() / 1e9 / 4;
        ClipRun unclipped = clipRun(0, perRun);
        ClipRun clipped = clipRun(clipNorm, perRun);
        List<List<String>> clipRows = List.of(unclipped.row("none"), clipped.row("global norm " + fmt(clipNorm)));
        report.table("Adding problem T = " + clipLength + ", RNN (tanh) H = " + clipHidden + ", W_hh scaled to rho = " + fmt(clipRadius)
                        + ", SGD lr " + fmt(lr) + ", batch 32",
                List.of("clipping", "steps", "first non-finite step", "largest training loss", "largest gradient norm",
                        "training loss (mean of last 50 steps)", "test MSE at end", "wall s"), clipRows);
        Path clipPng = out.resolve("gradients-clipping.png");
        List<Plots.Line> lines = List.of(unclipped.line("no clipping", COLORS[0]), clipped.line("clipped to norm " + fmt(clipNorm), COLORS[1]),
                constant("predict 1 (MSE 1/6)", AddingProblem.CONSTANT_BASELINE_MSE, Math.max(unclipped.losses.size(), clipped.losses.size()),
                        Color.GRAY));
        Plots.lines(clipPng, "Exploding RNN (rho(W_hh) = " + fmt(clipRadius) + ") on the adding problem: training loss per step",
                "training step", "training MSE (log)", lines, true);
        report.figure(clipPng);
        report.setting("clip_runs", "adding T=" + clipLength + ", rnn_tanh H=" + clipHidden + ", rho=" + clipRadius + ", sgd lr=" + lr
                + ", batch 32, up to " + maxSteps + " steps or " + String.format(Locale.ROOT, "%.0f", perRun) + " s each");
        report.print(System.out);
        Path json = report.writeJson(out);
        System.out.printf(Locale.ROOT, "results: %s (%.1f s in all)%n", json, (System.nanoTime() - started) / 1e9);
        return 0;
    }

    /** One clipping run's per-step training losses and what happened. */
    static final class ClipRun {
        final List<Double> losses = new ArrayList<>();
        long firstNonFinite = -1;
        double maxLoss;
        double maxNorm;
        double testMse = Double.NaN;
        double seconds;

        List<String> row(String clipping) {
            int n = losses.size(), from = Math.max(0, n - 50);
            double tail = 0;
            for (int i = from; i < n; i++) {
                tail += losses.get(i);
            }
            return List.of(clipping, Integer.toString(n), firstNonFinite < 0 ? "none" : Long.toString(firstNonFinite), fmt(maxLoss),
                    fmt(maxNorm), n == 0 ? "—" : fmt(tail / (n - from)), fmt(testMse), String.format(Locale.ROOT, "%.1f", seconds));
        }

        Plots.Line line(String name, Color color) {
            List<double[]> points = new ArrayList<>();
            for (int i = 0; i < losses.size(); i++) {
                double v = losses.get(i);
                if (v > 0 && Double.isFinite(v)) {
                    points.add(new double[] {i + 1, v});
                }
            }
            return new Plots.Line(name, points.stream().mapToDouble(p -> p[0]).toArray(), points.stream().mapToDouble(p -> p[1]).toArray(), color);
        }
    }

    /**
     * Trains the exploding RNN for up to --max-steps or {@code seconds}; without clipping the run
     * stops at the first step whose loss or gradient norm is not finite (the update is skipped).
     */
    ClipRun clipRun(double clip, double seconds) {
        ClipRun run = new ClipRun();
        MemoryTask task = MemoryTask.adding(clipLength);
        long start = System.nanoTime();
        try (SequenceModel model = task.model(CellType.RNN_TANH, clipHidden, options.seed())) {
            scaleRecurrentRadius(model.rnn(), clipRadius);
            try (Sgd sgd = new Sgd(model.kernels(), model.parameters(), model.gradients(), lr);
                 MemoryTrainer trainer = new MemoryTrainer(model, task, 32, 512, sgd, clip, options.seed() + 2)) {
                while (trainer.step() < maxSteps && (System.nanoTime() - start) / 1e9 < seconds) {
                    MemoryTrainer.Step step = trainer.trainStep();
                    run.losses.add(step.loss());
                    run.maxLoss = Math.max(run.maxLoss, step.loss());
                    run.maxNorm = Double.isFinite(step.gradientNorm()) ? Math.max(run.maxNorm, step.gradientNorm()) : run.maxNorm;
                    if (step.skipped()) {
                        run.firstNonFinite = step.step();
                        run.maxNorm = Double.POSITIVE_INFINITY;
                        break;
                    }
                }
                run.testMse = trainer.evaluate().loss();
            }
        }
        run.seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "clipping %s: %d steps in %.1f s%n", clip > 0 ? "on" : "off", run.losses.size(), run.seconds);
        return run;
    }

    /**
     * Multiplies the vanilla RNN's W_hh (H, H) by a factor so that its spectral radius becomes
     * {@code radius} (the exploding-gradient setting).
     * @return the radius before scaling
     */
    static double scaleRecurrentRadius(Rnn rnn, double radius) {
        if (rnn.config().cell().gates() != 1) {
            throw new IllegalArgumentException("only the vanilla RNN's W_hh is a single (H, H) matrix; this one is " + rnn.config().cell().id());
        }
        var w = rnn.parameter("weight_hh_l0");                   // (H, H)
        float[] values = w.toArray();
        double before = SpectralRadius.of(values, rnn.config().hiddenSize());
        double factor = radius / before;
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (values[i] * factor);
        }
        w.copyFrom(values);
        return before;
    }

    /** Adds {@code value} to the LSTM's forget-gate input bias, b_ih[H .. 2H) (gates i, f, g, o). */
    static void addForgetBias(Rnn rnn, double value) {
        var bias = rnn.parameter("bias_ih_l0");                  // (4H) i, f, g, o
        float[] b = bias.toArray();
        int h = rnn.config().hiddenSize();
        for (int i = h; i < 2 * h; i++) {
            b[i] += (float) value;
        }
        bias.copyFrom(b);
    }

    /** Rescales the RNN's W_hh (H, H) to spectral radius r; returns the new matrix. */
    static float[] scaleToRadius(Rnn rnn, double r) {
        var tensor = rnn.parameter("weight_hh_l0");
        float[] w = tensor.toArray();
        int h = rnn.config().hiddenSize();
        double factor = r / SpectralRadius.of(w, h);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (w[i] * factor);
        }
        tensor.copyFrom(w);
        return w;
    }

    /** M random unit vectors of H values (dL/dh_T of each sequence). */
    static float[] unitDirections(int m, int h, SplittableRandom random) {
        float[] u = new float[m * h];
        for (int s = 0; s < m; s++) {
            double sum = 0;
            double[] v = new double[h];
            for (int i = 0; i < h; i++) {
                v[i] = random.nextDouble() * 2 - 1;
                sum += v[i] * v[i];
            }
            for (int i = 0; i < h; i++) {
                u[s * h + i] = (float) (v[i] / Math.sqrt(sum));
            }
        }
        return u;
    }

    /** Steps back from T at which the table reports ||dL/dh_t||. */
    private static final int[] BACK = {0, 10, 50, 100, 200};

    private List<String> columns(String first) {
        List<String> c = new ArrayList<>(List.of(first, "rho(W_hh)", "‖W_hh‖₂"));
        for (int k : BACK) {
            c.add(k == 0 ? "t=T" : "t=T-" + k);
        }
        c.add("factor per step");
        c.add("half-life (steps)");
        return c;
    }

    private List<String> row(String name, String radius, String norm, double[] norms) {
        List<String> r = new ArrayList<>(List.of(name, radius, norm));
        for (int k : BACK) {
            r.add(k <= length ? fmt(norms[length - k]) : "—");
        }
        double factor = factorPerStep(norms);
        r.add(String.format(Locale.ROOT, "%.4f", factor));
        r.add(factor < 1 ? String.format(Locale.ROOT, "%.1f", Math.log(2) / -Math.log(factor)) : "— (grows)");
        return r;
    }

    /**
     * exp(b) of the least-squares line ln ||dL/dh_{T-k}|| = a + b k over k = 0..T (positive, finite
     * norms only): the average factor by which the norm changes per step back in time.
     */
    static double factorPerStep(double[] norms) {
        int steps = norms.length - 1;
        double n = 0, sk = 0, sy = 0, skk = 0, sky = 0;
        for (int k = 0; k <= steps; k++) {
            double v = norms[steps - k];
            if (v > 0 && Double.isFinite(v)) {
                double y = Math.log(v);
                n++;
                sk += k;
                sy += y;
                skk += (double) k * k;
                sky += k * y;
            }
        }
        double denominator = n * skk - sk * sk;
        return denominator > 0 ? Math.exp((n * sky - sk * sy) / denominator) : Double.NaN;
    }

    private void plot(Path file, String title, List<Curve> curves) throws java.io.IOException {
        List<Plots.Line> lines = new ArrayList<>();
        for (int i = 0; i < curves.size(); i++) {
            Curve c = curves.get(i);
            List<double[]> points = new ArrayList<>();
            int steps = c.norms().length - 1;
            for (int k = 0; k <= steps; k++) {                      // k = T - t steps back from the loss
                double v = c.norms()[steps - k];
                if (v > 0 && Double.isFinite(v)) {
                    points.add(new double[] {k, v});
                }
            }
            lines.add(new Plots.Line(c.name(), points.stream().mapToDouble(p -> p[0]).toArray(),
                    points.stream().mapToDouble(p -> p[1]).toArray(), COLORS[i % COLORS.length]));
        }
        Plots.lines(file, title, "steps back from the loss, T - t", "||dL/dh_t|| (log)", lines, true);
    }

    private static Plots.Line constant(String name, double value, int steps, Color color) {
        return new Plots.Line(name, new double[] {1, Math.max(2, steps)}, new double[] {value, value}, color);
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v != 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4)) {
            return String.format(Locale.ROOT, "%.3g", v).replace("e+", "e");
        }
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
