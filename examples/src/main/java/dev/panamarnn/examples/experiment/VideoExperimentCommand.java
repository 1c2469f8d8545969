package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.examples.support.Plots;
import dev.panamarnn.options.Range;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.Metrics;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import dev.panamarnn.model.TrainingResult;
import java.awt.Color;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rnn experiment video}: activity recognition on clips of moving handwritten digits
 * ({@link VideoClips}). Recurrent classifiers read the clip frame by frame; the baselines read one
 * frame (the middle one) or the average frame with the same network, and chance. Held-out clips move
 * digit images that no training clip used. Prints one table, writes video-clips.png (one held-out
 * clip per motion), video-accuracy.png (held-out accuracy after each epoch) and video.json.
 */
@Command(name = "video", mixinStandardHelpOptions = true,
        description = {"Activity recognition: which way a handwritten digit moves in a short clip (16x16 frames, 10 of them).",
                "Recurrent networks over the frames against the same network on one frame or on the average frame, and chance.",
                "The budget is shared evenly by the models; each stops at --epochs or when its share runs out."})
public final class VideoExperimentCommand implements Callable<Integer> {
    @Mixin
    ExperimentOptions options = new ExperimentOptions();

    @Option(names = "--cells", split = ",", defaultValue = "gru,lstm", description = "Recurrent cells to train over the frames.")
    List<String> cells;
    @Option(names = "--hidden", defaultValue = "64", description = "Hidden units of every network.")
    @Range(min = 1, max = 4096)
    int hidden;
    @Option(names = "--epochs", defaultValue = "30", description = "Training epochs per model at most.")
    @Range(min = 1, max = 100000)
    int epochs;
    @Option(names = "--train", defaultValue = "3000", description = "Training clips.")
    @Range(min = 6, max = 1000000)
    int trainSize;
    @Option(names = "--test", defaultValue = "1200", description = "Held-out clips.")
    @Range(min = 6, max = 1000000)
    int testSize;
    @Option(names = "--batch", defaultValue = "32", description = "Clips per training step.")
    @Range(min = 1, max = 4096)
    int batch;
    @Option(names = "--lr", defaultValue = "3e-3", description = "Adam learning rate of every model.")
    @Range(min = 1e-9, max = 10)
    double lr;

    private static final Color[] COLORS = {new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd), new Color(0xff7f0e)};

    @Override
    public Integer call() throws Exception {
        options.requireWritableOutput();
        long start = System.nanoTime(), budget = options.budget().toNanos();
        List<CellType> cellList = cells.stream().map(CellType::fromId).distinct().toList();
        VideoClips source = VideoClips.fromEmbeddedDigits();
        VideoClips.Clips train = source.generate(trainSize, false, new SplittableRandom(options.seed() * 1_000_003L));
        VideoClips.Clips test = source.generate(testSize, true, new SplittableRandom(options.seed() * 1_000_003L + 1));
        System.out.printf("video: %d motions %s, %d frames of %dx%d; %d training and %d held-out clips (held-out clips move unseen digits)%n",
                VideoClips.MOTIONS.size(), VideoClips.MOTIONS, VideoClips.FRAMES, VideoClips.SIZE, VideoClips.SIZE, train.size(), test.size());
        ExperimentReport report = new ExperimentReport("video", options)
                .setting("motions", VideoClips.MOTIONS).setting("frames", VideoClips.FRAMES).setting("frame_size", VideoClips.SIZE)
                .setting("noise_std", VideoClips.NOISE).setting("cells", cellList.stream().map(CellType::id).toList())
                .setting("hidden", hidden).setting("max_epochs", epochs).setting("batch", batch).setting("lr", lr)
                .setting("train_clips", trainSize).setting("test_clips", testSize);

        record Run(String name, CellType cell, SequenceDataset train, SequenceDataset test) {}
        List<Run> runs = new ArrayList<>();
        for (CellType cell : cellList) {
            runs.add(new Run(cell.id() + " over the " + VideoClips.FRAMES + " frames (H=" + hidden + ")", cell, train.asSequences(), test.asSequences()));
        }
        int middle = VideoClips.FRAMES / 2;
        runs.add(new Run("one frame (frame " + middle + "), gru (H=" + hidden + ")", CellType.GRU, train.singleFrames(middle), test.singleFrames(middle)));
        runs.add(new Run("the average frame, gru (H=" + hidden + ")", CellType.GRU, train.averageFrames(), test.averageFrames()));

        List<List<String>> rows = new ArrayList<>();
        List<Plots.Line> curves = new ArrayList<>();
        int left = runs.size();
        for (Run run : runs) {
            long now = System.nanoTime();
            Duration share = Duration.ofNanos(Math.max(1, (budget - (now - start)) / left--));
            rows.add(train(run.name(), run.cell(), run.train(), run.test(), share, curves, COLORS[curves.size() % COLORS.length]));
        }
        double chance = 1.0 / VideoClips.MOTIONS.size();
        curves.add(new Plots.Line("chance", new double[] {1, epochs}, new double[] {chance, chance}, Color.GRAY));
        rows.add(List.of("chance (1/" + VideoClips.MOTIONS.size() + ")", "-", "-", "-", ExperimentReport.percent(chance)));
        report.table("Held-out accuracy (which way the digit moves)", List.of("model", "epochs", "seconds", "final train loss",
                "held-out accuracy"), rows);

        Path out = options.outputDirectory();
        Path accuracyPng = out.resolve("video-accuracy.png");
        Plots.lines(accuracyPng, "Moving digits: held-out accuracy after each epoch (" + test.size() + " clips)", "epoch",
                "held-out accuracy", curves);
        report.figure(accuracyPng);
        Path clipsPng = out.resolve("video-clips.png");
        List<float[][]> examples = new ArrayList<>();
        for (int m = 0; m < VideoClips.MOTIONS.size(); m++) {
            examples.add(test.frames().get(m));                     // clip m has motion m (classes in turn)
        }
        FrameStrip.write(clipsPng, examples, VideoClips.MOTIONS, VideoClips.SIZE);
        report.figure(clipsPng);
        report.print(System.out);
        System.out.println("results: " + report.writeJson(out));
        return 0;
    }

    private List<String> train(String name, CellType cell, SequenceDataset train, SequenceDataset test, Duration share,
                               List<Plots.Line> curves, Color color) {
        long started = System.nanoTime();
        try (SequenceModel model = SequenceModel.forData(train).cell(cell).hidden(hidden).seed(options.seed()).build();
             Trainer trainer = Trainer.builder(model).adam(lr).batchSize(batch).seed(options.seed() + 7).validation(test)
                     .restoreBest(false).build()) {
            long stepsPerEpoch = (train.size() + batch - 1) / batch;
            TrainingResult result = trainer.fit(train, Budget.time(share).orSteps(epochs * stepsPerEpoch));
            Metrics held = model.evaluate(test);
            double seconds = (System.nanoTime() - started) / 1e9;
            double[] x = new double[result.validation().size()], y = new double[x.length];
            for (int e = 0; e < x.length; e++) {
                x[e] = e + 1;
                y[e] = result.validation().get(e).accuracy();
            }
            curves.add(new Plots.Line(name, x, y, color));
            double lastLoss = result.trainLoss().isEmpty() ? Double.NaN : result.trainLoss().get(result.trainLoss().size() - 1);
            System.out.printf("  %-44s %3d epochs %6.1f s  loss %.3f  held-out accuracy %s%n", name, result.epochs(), seconds, lastLoss,
                    ExperimentReport.percent(held.accuracy()));
            return List.of(name, Integer.toString(result.epochs()), String.format("%.1f", seconds), String.format("%.3f", lastLoss),
                    ExperimentReport.percent(held.accuracy()));
        }
    }

}
