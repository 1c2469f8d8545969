package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.examples.support.NetworkSize;
import dev.panamarnn.examples.support.Plots;
import dev.panamarnn.options.Range;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rnn experiment classify}: sequence-to-one classification of generated windows
 * ({@link ClassifyTasks}) by recurrent networks (last hidden state -> linear -> softmax) against
 * multinomial logistic regression on the same flattened window, and chance. Train and held-out
 * sets are drawn from two independent seeded streams. Prints one table, writes
 * classify-&lt;task&gt;.png (held-out accuracy during training), classify-&lt;task&gt;-examples.png (one
 * window per class) and classify.json.
 */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = {"Sequence classification: which order two signed events came in, and which frequency pattern a noisy sine follows.",
                "Recurrent networks against logistic regression on the flattened window, and chance.",
                "The budget is shared evenly by the networks; each stops at --steps or when its share runs out."})
public final class ClassifyCommand implements Callable<Integer> {
    @Mixin
    ExperimentOptions options = new ExperimentOptions();

    @Option(names = "--task", split = ",", defaultValue = "order,frequency", description = "order, frequency (default: both).")
    List<String> tasks;
    @Option(names = "--cells", split = ",", defaultValue = "gru,lstm", description = "Recurrent cells to train.")
    List<String> cells;
    @Option(names = "--hidden", defaultValue = "32", description = "Hidden units of every network.")
    @Range(min = 1, max = 4096)
    int hidden;
    @Option(names = "--steps", defaultValue = "1000", description = "Training steps per network at most.")
    @Range(min = 1, max = 1e12)
    long steps;
    @Option(names = "--baseline-steps", defaultValue = "3000", description = "Training steps of the logistic regression.")
    @Range(min = 1, max = 1e12)
    long baselineSteps;
    @Option(names = "--batch", defaultValue = "32", description = "Examples per training step.")
    @Range(min = 1, max = 4096)
    int batch;
    @Option(names = "--lr", defaultValue = "3e-3", description = "Adam learning rate of every model.")
    @Range(min = 1e-9, max = 10)
    double lr;
    @Option(names = "--train", defaultValue = "4000", description = "Training examples per task.")
    @Range(min = 2, max = 1000000)
    int trainSize;
    @Option(names = "--test", defaultValue = "2000", description = "Held-out examples per task.")
    @Range(min = 1, max = 1000000)
    int testSize;
    @Option(names = "--check-every", defaultValue = "100", description = "Held-out accuracy is measured every this many steps for the figure.")
    @Range(min = 1, max = 1e12)
    long checkEvery;

    private static final Color[] COLORS = {new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd), new Color(0xff7f0e)};

    @Override
    public Integer call() throws Exception {
        options.requireWritableOutput();
        long start = System.nanoTime();
        long budget = options.budget().toNanos();
        if (steps < 1 || baselineSteps < 1 || hidden < 1 || batch < 1 || trainSize < batch || testSize < 1 || checkEvery < 1) {
            throw new IllegalArgumentException("--steps, --baseline-steps, --hidden, --batch, --test, --check-every must be >= 1 and --train >= --batch; got "
                    + steps + ", " + baselineSteps + ", " + hidden + ", " + batch + ", " + testSize + ", " + checkEvery + ", " + trainSize);
        }
        List<ClassifyTasks.Task> taskList = tasks.stream().map(ClassifyTasks.Task::fromId).distinct().toList();
        List<CellType> cellList = cells.stream().map(CellType::fromId).distinct().toList();
        int longest = taskList.stream().mapToInt(ClassifyTasks.Task::steps).max().orElse(1);
        for (CellType cell : cellList) {                      // the largest network of the run, before any data is generated
            NetworkSize.of(cell, 1, hidden, 1, false, ClassifyTasks.Task.ORDER.classNames().size(), 0, 0, batch, longest)
                    .requireTrainable("--hidden " + hidden + " --batch " + batch + " (" + cell.id() + ", windows of " + longest + " steps)");
        }
        ExperimentReport report = new ExperimentReport("classify", options)
                .setting("tasks", taskList.stream().map(ClassifyTasks.Task::id).toList())
                .setting("cells", cellList.stream().map(CellType::id).toList())
                .setting("hidden", hidden).setting("max_steps", steps).setting("baseline_steps", baselineSteps)
                .setting("batch", batch).setting("lr", lr).setting("train_examples", trainSize).setting("test_examples", testSize)
                .setting("noise_std", ClassifyTasks.NOISE);
        Path out = options.outputDirectory();
        List<List<String>> rows = new ArrayList<>();
        int networksLeft = taskList.size() * cellList.size();
        for (ClassifyTasks.Task task : taskList) {
            // two independent streams: the held-out windows are never drawn for training
            ClassifyTasks.Dataset train = task.generate(trainSize, new SplittableRandom(options.seed() * 1_000_003L + task.ordinal() * 2L));
            ClassifyTasks.Dataset test = task.generate(testSize, new SplittableRandom(options.seed() * 1_000_003L + task.ordinal() * 2L + 1));
            double chance = 1.0 / task.classNames().size();
            double majority = Arrays.stream(classCounts(test)).max().orElseThrow() / (double) test.size();
            System.out.printf("%s: %d classes %s, T=%d; %d training and %d held-out windows%n", task.id(), test.classes(),
                    task.classNames(), task.steps(), train.size(), test.size());
            List<Plots.Line> curves = new ArrayList<>();
            int color = 0;
            // the baseline: cheap, its own fixed step count (not part of the budget's split)
            try (ClassifyLogistic logistic = new ClassifyLogistic(task.steps(), test.classes(), batch, lr, options.seed())) {
                rows.add(run(task, logistic, train, test, baselineSteps, Long.MAX_VALUE, chance, curves, Color.BLUE));
            }
            for (CellType cell : cellList) {
                long now = System.nanoTime();
                long deadline = now + Math.max(0, (budget - (now - start))) / networksLeft--;
                try (ClassifyNetwork network = new ClassifyNetwork(cell, hidden, 1, test.classes(), batch, lr, options.seed())) {
                    rows.add(run(task, network, train, test, steps, deadline, chance, curves, COLORS[color++ % COLORS.length]));
                }
            }
            double[] x = {0, Math.max(steps, baselineSteps)};
            curves.add(new Plots.Line("chance", x, new double[] {chance, chance}, Color.GRAY));
            Path curvePng = out.resolve("classify-" + task.id() + ".png");
            Plots.lines(curvePng, task.id() + " task: held-out accuracy while training (" + test.size() + " windows)",
                    "training step", "held-out accuracy", curves);
            report.figure(curvePng);
            Path examplesPng = out.resolve("classify-" + task.id() + "-examples.png");
            Plots.lines(examplesPng, task.id() + " task: one held-out window per class", "step t", "x_t", examples(test));
            report.figure(examplesPng);
            rows.add(List.of(task.id(), "chance (1/C); majority class of the held-out set", "-", "-", "-",
                    ExperimentReport.percent(chance) + "; " + ExperimentReport.percent(majority), String.join(" / ", task.classNames())));
        }
        report.table("Held-out accuracy (sequence-to-one classification)",
                List.of("task", "model", "steps", "seconds", "final train loss", "held-out accuracy", "per class"), rows);
        report.print(System.out);
        Path json = report.writeJson(out);
        System.out.println("results: " + json);
        return 0;
    }

    private List<String> run(ClassifyTasks.Task task, ClassifyModel model, ClassifyTasks.Dataset train, ClassifyTasks.Dataset test,
                             long maxSteps, long deadline, double chance, List<Plots.Line> curves, Color color) {
        List<double[]> points = new ArrayList<>();                            // (step, held-out accuracy)
        ClassifyModel.Fit fit = ClassifyModel.fit(model, train, maxSteps, deadline, options.seed() + 17, checkEvery,
                done -> points.add(new double[] {done, ClassifyModel.accuracy(model.predict(test), test.labels())}));
        int[] predicted = model.predict(test);
        double accuracy = ClassifyModel.accuracy(predicted, test.labels());
        String perClass = String.join(" / ", Arrays.stream(ClassifyModel.classAccuracy(predicted, test.labels(), test.classes()))
                .mapToObj(ExperimentReport::percent).toList());
        System.out.printf("  %-34s %6d steps %6.1f s  loss %.3f  held-out accuracy %s%n", model.name(), fit.steps(),
                fit.seconds(), fit.finalLoss(), ExperimentReport.percent(accuracy));
        curves.add(new Plots.Line(model.name(), points.stream().mapToDouble(p -> p[0]).toArray(),
                points.stream().mapToDouble(p -> p[1]).toArray(), color));
        return List.of(task.id(), model.name(), Long.toString(fit.steps()), String.format("%.1f", fit.seconds()),
                String.format("%.3f", fit.finalLoss()), ExperimentReport.percent(accuracy), perClass);
    }

    /** One held-out window of each class, as lines over t. */
    private static List<Plots.Line> examples(ClassifyTasks.Dataset data) {
        List<Plots.Line> lines = new ArrayList<>();
        double[] t = new double[data.steps()];
        Arrays.setAll(t, i -> i);
        for (int c = 0; c < data.classes(); c++) {
            for (int i = 0; i < data.size(); i++) {
                if (data.labels()[i] == c) {
                    float[] w = data.windows()[i];
                    double offset = 3.0 * (data.classes() - 1 - c);                 // stacked, 3 apart
                    double[] y = new double[w.length];
                    Arrays.setAll(y, k -> w[k] + offset);
                    lines.add(new Plots.Line(data.task().classNames().get(c) + " (offset " + (int) offset + ")",
                            t, y, COLORS[c % COLORS.length]));
                    break;
                }
            }
        }
        return lines;
    }

    static int[] classCounts(ClassifyTasks.Dataset data) {
        int[] counts = new int[data.classes()];
        for (int label : data.labels()) {
            counts[label]++;
        }
        return counts;
    }

}
