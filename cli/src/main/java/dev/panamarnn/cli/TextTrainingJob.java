package dev.panamarnn.cli;

import dev.panamarnn.CellType;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.examples.support.EmbeddedData;
import dev.panamarnn.examples.support.Plots;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.CharModel;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.model.Checkpoints;
import dev.panamarnn.model.TextTrainer;
import dev.panamarnn.train.AdamW;
import dev.panamarnn.train.LearningRateSchedule;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Trains a character-level model on a text for a time or step budget, through the library's public
 * API: progress bar with loss, bits per character and characters/s; samples along the way;
 * validation bits per character; the model file and a loss-curve PNG at the end.
 */
public final class TextTrainingJob {
    /** Everything the job needs; the demo and `rnn train text` fill it differently. */
    record Settings(String corpusName, CellType cell, int embedding, int hidden, int layers, double dropout,
                    int window, int batch, double learningRate, double clipNorm, double minutes, long maxSteps,
                    Path out, long seed, int sampleEvery, int validateEvery) {}

    private TextTrainingJob() {}

    static String readDefaultCorpus() throws IOException {
        return EmbeddedData.kjv();
    }

    static int run(String text, Settings s, PrintStream out) throws IOException {
        TextCorpus corpus = TextCorpus.of(text, 0.05);
        // samples start from "And " (the demo's corpus) or else from the text's first characters
        int[] head = text.codePoints().limit(4).toArray();
        String prime = text.contains("And ") ? "And " : new String(head, 0, head.length);
        Kernels kernels = KernelSelection.selected();
        CharModel.Config config = new CharModel.Config(s.cell(), s.embedding(), s.hidden(), s.layers(), s.dropout(), s.seed());
        out.printf("corpus %s: %,d characters, vocabulary %d, validation tail %,d%n", s.corpusName(), corpus.tokens().length,
                corpus.vocabulary().size(), corpus.validationLength());
        out.printf("model: %s, embedding %d, hidden %d, %d layer(s), dropout %.2f; windows of %d x %d streams; kernels %s%n",
                s.cell().id(), s.embedding(), s.hidden(), s.layers(), s.dropout(), s.window(), s.batch(), kernels.name());
        long budgetNanos = s.minutes() > 0 ? (long) (s.minutes() * 60e9) : Long.MAX_VALUE;
        long maxSteps = s.maxSteps() > 0 ? s.maxSteps() : Long.MAX_VALUE;
        List<double[]> curve = new ArrayList<>();      // step, smoothed training bpc
        List<double[]> validation = new ArrayList<>(); // step, validation bpc
        double ln2 = Math.log(2);
        try (CharModel model = new CharModel(config, corpus.vocabulary(), kernels);
             AdamW optimizer = new AdamW(kernels, model.parameters(), model.gradients(),
                     LearningRateSchedule.warmup(100, LearningRateSchedule.constant(s.learningRate())), 0.9, 0.999, 1e-8, 0.01);
             TextTrainer trainer = new TextTrainer(model, corpus, new TextTrainer.Settings(s.batch(), s.window(), s.clipNorm(), 20), optimizer)) {
            long start = System.nanoTime();
            double smoothed = Double.NaN;
            long characters = 0;
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("training").setInitialMax(
                            maxSteps != Long.MAX_VALUE ? maxSteps : (long) Math.max(1, s.minutes() * 60))
                    .setStyle(ProgressBarStyle.ASCII).setUnit(maxSteps != Long.MAX_VALUE ? " steps" : " s", 1)
                    .setUpdateIntervalMillis(500).continuousUpdate().setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(out)).build()) {
                while (trainer.step() < maxSteps && System.nanoTime() - start < budgetNanos) {
                    dev.panamarnn.model.TrainingStep r = trainer.trainStep();
                    characters += (long) s.window() * s.batch();
                    if (!r.skipped()) {
                        smoothed = Double.isNaN(smoothed) ? r.loss() : 0.98 * smoothed + 0.02 * r.loss();
                    }
                    double elapsed = (System.nanoTime() - start) / 1e9;
                    bar.stepTo(maxSteps != Long.MAX_VALUE ? r.step() : (long) elapsed);
                    bar.setExtraMessage(String.format(" loss %.3f  %.3f bpc  %,.0f chars/s", smoothed, smoothed / ln2, characters / elapsed));
                    curve.add(new double[] {r.step(), smoothed / ln2});
                    if (s.validateEvery() > 0 && r.step() % s.validateEvery() == 0) {
                        validation.add(new double[] {r.step(), trainer.validationBitsPerCharacter(60_000)});
                    }
                    if (s.sampleEvery() > 0 && r.step() % s.sampleEvery() == 0) {
                        try (CharSampler sampler = new CharSampler(model)) {
                            bar.pause();
                            out.println("\n--- sample at step " + r.step() + " ---\n" + sampler.sample(prime, 200, 0.8, r.step()) + "\n");
                            bar.resume();
                        }
                    }
                }
            }
            double validationBpc = trainer.validationBitsPerCharacter(200_000);
            validation.add(new double[] {trainer.step(), validationBpc});
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("%n%d steps in %.0f s (%,.0f characters/s); validation %.3f bits per character%n",
                    trainer.step(), seconds, characters / seconds, validationBpc);
            try (CharSampler sampler = new CharSampler(model)) {
                out.println("--- sample (temperature 0.8) ---\n" + sampler.sample(prime, 400, 0.8, s.seed()) + "\n");
            }
            java.nio.file.Files.createDirectories(s.out());
            Path modelFile = s.out().resolve("model.safetensors");
            Checkpoints.saveCharModel(modelFile, model, optimizer, trainer);
            Path png = s.out().resolve("loss.png");
            Plots.lines(png, "Character-level " + s.cell().id() + " on " + s.corpusName(), "step", "bits per character", List.of(
                    new Plots.Line("training (smoothed)", column(curve, 0), column(curve, 1), new Color(0x1f77b4)),
                    new Plots.Line("validation", column(validation, 0), column(validation, 1), new Color(0xd62728))));
            out.println("model written to " + modelFile + ", loss curve to " + png);
            out.println("sample from it with:\n  ./rnn sample --model " + modelFile + " --prime \"" + prime.strip()
                    + "\" --length 400 --temperature 0.8");
        }
        return 0;
    }

    static double[] column(List<double[]> rows, int c) {
        double[] values = new double[rows.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = rows.get(i)[c];
        }
        return values;
    }

}
