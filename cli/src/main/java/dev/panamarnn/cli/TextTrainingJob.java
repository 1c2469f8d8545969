package dev.panamarnn.cli;

import dev.panamarnn.CellType;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.examples.support.EmbeddedData;
import dev.panamarnn.examples.support.Plots;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.ModelSpec;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import dev.panamarnn.model.TrainingListener;
import dev.panamarnn.model.TrainingStep;
import dev.panamarnn.train.LearningRateSchedule;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Trains a character-level language model on a text for a time or step budget, through the
 * library's public API: the text read as parallel streams ({@code SequenceDataset.languageModelStreams})
 * and trained with stateful truncated BPTT by the {@link Trainer}; a progress bar with loss, bits
 * per character and characters/s; samples along the way; validation bits per character; the model
 * file (with its optimizer state) and a loss-curve PNG at the end.
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

    static int run(String text, Settings s, RunSafety safety, String command, PrintStream out) throws IOException {
        safety.prepare(s.out());
        Path modelFile = s.out().resolve("model.safetensors");
        TextCorpus corpus = TextCorpus.of(text, 0.05);
        // samples start from "And " (the demo's corpus) or else from the text's first characters
        int[] head = text.codePoints().limit(4).toArray();
        String prime = text.contains("And ") ? "And " : new String(head, 0, head.length);
        int[] tokens = corpus.tokens();
        int vocabulary = corpus.vocabulary().size();
        if (corpus.trainingLength() / s.batch() < s.window() + 1) {
            throw new IllegalArgumentException("the training text (" + corpus.trainingLength() + " characters) is too short for "
                    + s.batch() + " streams of windows of " + s.window() + " characters; use a smaller --batch or --seq-len");
        }
        SequenceDataset train = SequenceDataset.languageModelStreams(Arrays.copyOf(tokens, corpus.trainingLength()), vocabulary, s.batch());
        SequenceDataset checkDuringTraining = validation(corpus, 60_000, s.batch());
        SequenceDataset checkAtTheEnd = validation(corpus, 200_000, s.batch());
        out.printf("corpus %s: %,d characters, vocabulary %d, validation tail %,d%n", s.corpusName(), tokens.length,
                vocabulary, corpus.validationLength());
        DataFingerprint fingerprint = DataFingerprint.of(corpus.tokens());
        fingerprint.requireSameAs(safety.resume);
        try (SequenceModel model = safety.resume != null ? safety.requireSameArchitecture(resumed(safety.resume, corpus))
                : CharSampler.languageModel(corpus.vocabulary(), s.embedding()).cell(s.cell()).hidden(s.hidden())
                        .layers(s.layers()).dropout(s.dropout()).seed(s.seed()).build();
             TextProgress progress = new TextProgress(out, s, model, checkDuringTraining, prime);
             Trainer trainer = safety.checkpoints(Trainer.builder(model).adamW(s.learningRate(), 0.01)
                     .schedule(LearningRateSchedule.warmup(100, LearningRateSchedule.constant(s.learningRate())))
                     .clipNorm(s.clipNorm()).maxNonFiniteInARow(20).batchSize(s.batch()).truncatedBptt(s.window()).seed(s.seed())
                     .metadata(fingerprint.in(java.util.Map.of())).listener(progress), modelFile).build()) {
            if (safety.resume != null) {
                trainer.resume(safety.resume);
                out.printf("resumed from %s at step %d%n", safety.resume, trainer.step());
            }
            ModelSpec spec = model.spec();                  // a resumed run's network is the checkpoint's
            out.printf("model: %s, embedding %d, hidden %d, %d layer(s), dropout %.2f; windows of %d x %d streams; kernels %s%n",
                    spec.cell().id(), spec.embeddingDim(), spec.hiddenSize(), spec.layers(), spec.dropout(), s.window(), s.batch(),
                    model.kernels().name());
            Budget budget = s.minutes() > 0 ? Budget.minutes(s.minutes()) : Budget.steps(s.maxSteps());
            safety.create(s.out());
            safety.stopOnSignal(trainer);
            String reason = trainer.fit(train, s.minutes() > 0 && s.maxSteps() > 0 ? budget.orSteps(s.maxSteps()) : budget).reason();
            progress.close();
            if (safety.signalled() && reason.equals("stopped")) {
                trainer.checkpoint(modelFile);
                RunSafety.reportStopped(out, modelFile, command);
                return 130;
            }
            double validationBpc = model.evaluate(checkAtTheEnd).bitsPerToken();
            progress.validation.add(new double[] {trainer.step(), validationBpc});
            double seconds = progress.seconds();
            out.printf("%n%d steps in %.0f s (%,.0f characters/s); validation %.3f bits per character%n",
                    trainer.step(), seconds, progress.characters / seconds, validationBpc);
            try (CharSampler sampler = new CharSampler(model)) {
                out.println("--- sample (temperature 0.8) ---\n" + PrintableText.keepingLines(sampler.sample(prime, 400, 0.8, s.seed())) + "\n");
            }
            trainer.checkpoint(modelFile);                 // the model, and the optimizer state to continue from
            Path png = s.out().resolve("loss.png");
            Plots.lines(png, "Character-level " + s.cell().id() + " on " + s.corpusName(), "step", "bits per character", List.of(
                    new Plots.Line("training (smoothed)", column(progress.curve, 0), column(progress.curve, 1), new Color(0x1f77b4)),
                    new Plots.Line("validation", column(progress.validation, 0), column(progress.validation, 1), new Color(0xd62728))));
            out.println("model written to " + modelFile + ", loss curve to " + png);
            out.println("sample from it with:\n  ./rnn sample --model " + modelFile + " --prime \"" + PrintableText.of(prime.strip())
                    + "\" --length 400 --temperature 0.8");
        } finally {
            safety.done();
        }
        return 0;
    }

    /** The model of a checkpoint to resume: a character model over exactly this corpus's characters. */
    private static SequenceModel resumed(Path checkpoint, TextCorpus corpus) throws IOException {
        SequenceModel model = SequenceModel.load(checkpoint);
        if (!model.spec().classNames().equals(corpus.vocabulary().characters())) {
            int size = model.spec().classNames().size();
            model.close();
            throw new IllegalArgumentException(checkpoint + " is not a character model of this corpus (" + size + " class names, the corpus has "
                    + corpus.vocabulary().size() + " characters): resume with the corpus it was trained on");
        }
        return model;
    }

    /** Up to {@code characters} of the held-out tail, read as {@code streams} streams (fewer when the tail is short). */
    private static SequenceDataset validation(TextCorpus corpus, int characters, int streams) {
        int length = Math.min(corpus.validationLength(), characters);
        int[] tail = Arrays.copyOfRange(corpus.tokens(), corpus.validationStart(), corpus.validationStart() + length);
        return SequenceDataset.languageModelStreams(tail, corpus.vocabulary().size(), Math.max(1, Math.min(streams, (length - 1) / 2)));
    }

    /** The bar (loss, bits per character, characters/s), the curves, validations and samples along the way. */
    private static final class TextProgress implements TrainingListener, AutoCloseable {
        private final PrintStream out;
        private final Settings s;
        private final SequenceModel model;
        private final SequenceDataset validationData;
        private final String prime;
        private final long start = System.nanoTime();
        final List<double[]> curve = new ArrayList<>();      // step, smoothed training bpc
        final List<double[]> validation = new ArrayList<>(); // step, validation bpc
        long characters;
        private double smoothed = Double.NaN;
        private long firstStep = -1;
        private ProgressBar bar;

        TextProgress(PrintStream out, Settings s, SequenceModel model, SequenceDataset validationData, String prime) {
            this.out = out;
            this.s = s;
            this.model = model;
            this.validationData = validationData;
            this.prime = prime;
        }

        @Override
        public void onStart(long plannedSteps, int stepsPerEpoch) {
            boolean bySteps = s.minutes() <= 0;
            bar = new ProgressBarBuilder().setTaskName("training").setInitialMax(bySteps ? s.maxSteps() : (long) Math.max(1, s.minutes() * 60))
                    .setStyle(ProgressBarStyle.ASCII).setUnit(bySteps ? " steps" : " s", 1).setUpdateIntervalMillis(500)
                    .continuousUpdate().setConsumer(new ConsoleProgressBarConsumer(out)).build();
        }

        @Override
        public void onStep(TrainingStep r, int epoch) {
            double ln2 = Math.log(2);
            characters += (long) s.window() * s.batch();
            if (!r.skipped()) {
                smoothed = Double.isNaN(smoothed) ? r.loss() : 0.98 * smoothed + 0.02 * r.loss();
            }
            double elapsed = seconds();
            if (firstStep < 0) {
                firstStep = r.step();                         // a resumed run counts on from its checkpoint
            }
            bar.stepTo(s.minutes() <= 0 ? r.step() - firstStep + 1 : (long) elapsed);
            bar.setExtraMessage(String.format(" loss %.3f  %.3f bpc  %,.0f chars/s", smoothed, smoothed / ln2, characters / elapsed));
            curve.add(new double[] {r.step(), smoothed / ln2});
            if (s.validateEvery() > 0 && r.step() % s.validateEvery() == 0) {
                validation.add(new double[] {r.step(), model.evaluate(validationData).bitsPerToken()});
            }
            if (s.sampleEvery() > 0 && r.step() % s.sampleEvery() == 0) {
                try (CharSampler sampler = new CharSampler(model)) {
                    bar.pause();
                    out.println("\n--- sample at step " + r.step() + " ---\n" + PrintableText.keepingLines(sampler.sample(prime, 200, 0.8, r.step())) + "\n");
                    bar.resume();
                }
            }
        }

        double seconds() {
            return (System.nanoTime() - start) / 1e9;
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }

    static double[] column(List<double[]> rows, int c) {
        double[] values = new double[rows.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = rows.get(i)[c];
        }
        return values;
    }

}
