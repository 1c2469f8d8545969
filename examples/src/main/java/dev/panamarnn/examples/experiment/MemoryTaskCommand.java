package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.examples.support.NetworkSize;
import dev.panamarnn.examples.support.Plots;
import dev.panamarnn.options.Range;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.train.Adam;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code rnn experiment memory}: can a recurrent network carry information across a long delay?
 * RNN (tanh), LSTM and GRU with equal parameter counts ({@link EqualBudget}) are trained on the
 * adding problem ({@link AddingProblem}) or the copy task ({@link CopyTask}) at several lengths,
 * each run with the same share of the time budget, stopping early once solved. Reports the step
 * and wall time at which each run first met the solved rule on a fixed test set, or that it never
 * did, and draws the test learning curves (log y).
 */
@Command(name = "memory", mixinStandardHelpOptions = true, defaultValueProvider = MemoryTaskCommand.Defaults.class,
        description = {"Long-range memory: the adding problem (solved: test MSE < 0.01; predicting 1 gives 0.167) or the copy task",
                "(solved: recall accuracy >= 0.99; guessing gives 1/K) at several lengths, RNN vs LSTM vs GRU with equal parameter",
                "counts. The budget (default 270 s here) is split equally over the cells x lengths runs; a solved run stops early."})
public final class MemoryTaskCommand implements Callable<Integer> {
    /** This command's default budget: nine runs of 30 s. */
    public static final class Defaults implements CommandLine.IDefaultValueProvider {
        @Override
        public String defaultValue(CommandLine.Model.ArgSpec argument) {
            return argument.isOption() && ((CommandLine.Model.OptionSpec) argument).longestName().equals("--budget") ? "270" : null;
        }
    }

    private static final CellType[] CELLS = {CellType.RNN_TANH, CellType.LSTM, CellType.GRU};
    private static final Color[] COLORS = {new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C)};

    @Mixin
    ExperimentOptions options = new ExperimentOptions();

    @Option(names = "--task", defaultValue = "adding", description = "adding or copy.")
    String task;
    @Option(names = "--length", split = ",", defaultValue = "50,100,200",
            description = "Sequence lengths T (adding) or delays D (copy).")
    @Range(min = 1, max = 100000)
    int[] lengths;
    @Option(names = "--lstm-hidden", defaultValue = "32",
            description = "The parameter budget is that of an LSTM with this hidden size; RNN and GRU get the hidden size that matches it.")
    @Range(min = 1, max = 4096)
    int lstmHidden;
    @Option(names = "--batch", defaultValue = "32", description = "Training sequences per step.")
    @Range(min = 1, max = 4096)
    int batch;
    @Option(names = "--lr", defaultValue = "3e-3", description = "Adam learning rate.")
    @Range(min = 1e-9, max = 10)
    double lr;
    @Option(names = "--clip-norm", defaultValue = "1.0", description = "Global gradient-norm clipping (0: none).")
    @Range(min = 0, max = 1e6)
    double clipNorm;
    @Option(names = "--eval-every", defaultValue = "50", description = "Steps between test evaluations.")
    @Range(min = 1, max = 1000000000)
    int evalEvery;
    @Option(names = "--test", defaultValue = "512", description = "Sequences in the fixed test set.")
    @Range(min = 1, max = 1000000)
    int testRows;
    @Option(names = "--symbols", defaultValue = "5", description = "Copy task: symbols to recall S.")
    @Range(min = 1, max = 1000)
    int symbols;
    @Option(names = "--alphabet", defaultValue = "8", description = "Copy task: alphabet size K.")
    @Range(min = 2, max = 1000)
    int alphabet;

    /** What one run did. */
    record Run(CellType cell, int length, int hidden, long parameters, long steps, double seconds, long solvedStep, double solvedSeconds,
               double bestLoss, double finalLoss, double finalAccuracy, double[] curveSteps, double[] curveLoss) {}

    @Override
    public Integer call() throws Exception {
        options.requireWritableOutput();
        if (!task.equals("adding") && !task.equals("copy")) {
            throw new IllegalArgumentException("--task must be adding or copy, got '" + task + "'");
        }
        if (lengths.length == 0 || lstmHidden < 1 || batch < 1 || evalEvery < 1 || testRows < 1 || !(lr > 0) || !(clipNorm >= 0)) {
            throw new IllegalArgumentException("need at least one --length, --lstm-hidden, --batch, --eval-every, --test >= 1, --lr > 0, --clip-norm >= 0");
        }
        for (int length : lengths) {
            if (length < (task.equals("adding") ? 2 : 1)) {
                throw new IllegalArgumentException("--length must be >= " + (task.equals("adding") ? 2 : 1) + ", got " + length);
            }
        }
        int longest = java.util.Arrays.stream(lengths).max().orElseThrow() + 2 * symbols;
        NetworkSize.of(CellType.LSTM, alphabet + 2, lstmHidden, 1, false, alphabet + 1, 0, 0, Math.max(batch, testRows), longest)
                .requireTrainable("--lstm-hidden " + lstmHidden + " --batch " + batch + " --test " + testRows + " --length " + longest);
        long started = System.nanoTime();
        double perRun = options.budget().toNanos() / 1e9 / (CELLS.length * lengths.length);
        Path out = options.outputDirectory();
        MemoryTask probe = task(lengths[0]);
        long budget = EqualBudget.parameters(CellType.LSTM, probe.inputs(), lstmHidden, probe.outputs());
        ExperimentReport report = new ExperimentReport("memory-" + task, options)
                .setting("task", task).setting("lengths", lengths).setting("parameter_budget", budget).setting("batch", batch)
                .setting("optimizer", "adam lr " + lr).setting("clip_norm", clipNorm).setting("eval_every", evalEvery)
                .setting("test_sequences", testRows).setting("seconds_per_run", perRun).setting("solved", probe.solvedRule());
        if (task.equals("copy")) {
            report.setting("symbols", symbols).setting("alphabet", alphabet);
        }
        System.out.printf(Locale.ROOT, "memory/%s: lengths %s, %d runs of at most %.1f s; parameter budget %d (LSTM H=%d); solved: %s%n",
                task, java.util.Arrays.toString(lengths), CELLS.length * lengths.length, perRun, budget, lstmHidden, probe.solvedRule());
        List<List<String>> rows = new ArrayList<>();
        for (int length : lengths) {
            MemoryTask t = task(length);
            List<Run> runs = new ArrayList<>();
            for (CellType cell : CELLS) {
                int hidden = EqualBudget.hiddenFor(cell, t.inputs(), t.outputs(), budget);
                Run run = train(t, cell, hidden, perRun);
                runs.add(run);
                rows.add(row(t, run));
            }
            Path png = out.resolve("memory-" + task + "-T" + length + ".png");
            plot(png, t, length, runs);
            report.figure(png);
        }
        String lengthName = task.equals("adding") ? "T" : "delay D";
        report.table(title(probe, budget, perRun), List.of(lengthName, "cell", "H", "parameters", "steps", "wall s", "solved at step",
                "solved at s", task.equals("adding") ? "best test MSE" : "best test CE", task.equals("adding") ? "final test MSE" : "final test CE",
                task.equals("adding") ? "baseline MSE" : "final recall accuracy"), rows);
        report.print(System.out);
        Path json = report.writeJson(out);
        System.out.printf(Locale.ROOT, "results: %s (%.1f s in all)%n", json, (System.nanoTime() - started) / 1e9);
        return 0;
    }

    private MemoryTask task(int length) {
        return task.equals("adding") ? MemoryTask.adding(length) : MemoryTask.copy(new CopyTask(symbols, alphabet, length));
    }

    private String title(MemoryTask probe, long budget, double perRun) {
        String what = task.equals("adding") ? "Adding problem" : "Copy task (S = " + symbols + " symbols of K = " + alphabet + ", chance CE ln K = "
                + GradientFlowCommand.fmt(Math.log(alphabet)) + ", accuracy 1/K = " + GradientFlowCommand.fmt(1.0 / alphabet) + ")";
        return String.format(Locale.ROOT, "%s: equal parameter budgets (~%d), Adam lr %s, batch %d, clip %s, %.1f s per run, test set %d, solved: %s",
                what, budget, GradientFlowCommand.fmt(lr), batch, GradientFlowCommand.fmt(clipNorm), perRun, testRows, probe.solvedRule());
    }

    /** Trains one model until solved or out of time, evaluating every --eval-every steps. */
    Run train(MemoryTask t, CellType cell, int hidden, double seconds) {
        long seed = options.seed();
        List<double[]> curve = new ArrayList<>();
        long start = System.nanoTime();
        long solvedStep = -1;
        double solvedSeconds = Double.NaN, best = Double.POSITIVE_INFINITY;
        MemoryTrainer.Evaluation last;
        long parameters;
        long steps;
        try (SequenceModel model = t.model(cell, hidden, seed);
             Adam adam = new Adam(model.kernels(), model.parameters(), model.gradients(), lr);
             MemoryTrainer trainer = new MemoryTrainer(model, t, batch, testRows, adam, clipNorm, seed + 1)) {
            parameters = EqualBudget.parameters(model);
            last = trainer.evaluate();
            curve.add(new double[] {0, last.loss()});
            best = last.loss();
            while ((System.nanoTime() - start) / 1e9 < seconds) {
                trainer.trainStep();
                if (trainer.step() % evalEvery == 0) {
                    last = trainer.evaluate();
                    curve.add(new double[] {trainer.step(), last.loss()});
                    best = Math.min(best, last.loss());
                    if (t.solved(last.loss(), last.accuracy())) {
                        solvedStep = trainer.step();
                        solvedSeconds = (System.nanoTime() - start) / 1e9;
                        break;
                    }
                }
            }
            if (trainer.step() % evalEvery != 0) {
                last = trainer.evaluate();
                curve.add(new double[] {trainer.step(), last.loss()});
                best = Math.min(best, last.loss());
            }
            steps = trainer.step();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "  %s %s=%d: %s H=%d (%d parameters): %d steps in %.1f s, %s%n", t.name(),
                t.copy() == null ? "T" : "D", length(t), cell.id(), hidden, parameters, steps, elapsed,
                solvedStep > 0 ? "solved at step " + solvedStep : "not solved, test loss " + GradientFlowCommand.fmt(last.loss()));
        return new Run(cell, length(t), hidden, parameters, steps, elapsed, solvedStep, solvedSeconds, best, last.loss(), last.accuracy(),
                curve.stream().mapToDouble(p -> p[0]).toArray(), curve.stream().mapToDouble(p -> p[1]).toArray());
    }

    private static int length(MemoryTask t) {
        return t.copy() == null ? t.steps() : t.steps() - 2 * t.copy().symbols();
    }

    private List<String> row(MemoryTask t, Run run) {
        return List.of(Integer.toString(run.length()), run.cell().id(), Integer.toString(run.hidden()), Long.toString(run.parameters()),
                Long.toString(run.steps()), String.format(Locale.ROOT, "%.1f", run.seconds()),
                run.solvedStep() > 0 ? Long.toString(run.solvedStep()) : "never",
                run.solvedStep() > 0 ? String.format(Locale.ROOT, "%.1f", run.solvedSeconds()) : "—",
                GradientFlowCommand.fmt(run.bestLoss()), GradientFlowCommand.fmt(run.finalLoss()),
                t.copy() == null ? GradientFlowCommand.fmt(t.baselineLoss()) : GradientFlowCommand.fmt(run.finalAccuracy()));
    }

    private void plot(Path png, MemoryTask t, int length, List<Run> runs) throws java.io.IOException {
        List<Plots.Line> lines = new ArrayList<>();
        double lastStep = 1;
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            lines.add(new Plots.Line(r.cell().id() + " (H=" + r.hidden() + ", " + r.parameters() + " params)", r.curveSteps(), r.curveLoss(), COLORS[i]));
            lastStep = Math.max(lastStep, r.curveSteps()[r.curveSteps().length - 1]);
        }
        String baseline = t.copy() == null ? "predict 1 (MSE 1/6)" : "guess (ln K)";
        lines.add(new Plots.Line(baseline, new double[] {0, lastStep}, new double[] {t.baselineLoss(), t.baselineLoss()}, Color.GRAY));
        if (t.copy() == null) {
            lines.add(new Plots.Line("solved (MSE 0.01)", new double[] {0, lastStep}, new double[] {0.01, 0.01}, Color.BLACK));
        }
        String title = t.copy() == null ? "Adding problem, T = " + length + ": test MSE" : "Copy task, delay " + length + ": test cross-entropy on the recall steps";
        Plots.lines(png, title, "training step", t.copy() == null ? "test MSE (log)" : "test cross-entropy, nats (log)", lines, true);
    }
}
