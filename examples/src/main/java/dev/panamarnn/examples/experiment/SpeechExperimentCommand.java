package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.options.Range;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.CtcDecoder;
import dev.panamarnn.model.EditDistance;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import dev.panamarnn.model.TrainingResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rnn experiment speech}: speech recognition of spoken digit strings ({@link SpokenDigits},
 * synthesised by espeak-ng, cached) with CTC. Bidirectional and unidirectional recurrent networks
 * read log-mel frames (every {@code --stack} frames side by side as one step) and emit per-step
 * logits over the blank and the ten digits; greedy decoding gives the transcript. Held-out
 * utterances are spoken by voices training never heard. Reported: the word error rate (each digit
 * is a spoken word), the character error rate on the written-out words, and the share of
 * utterances recognised exactly, beside a prior baseline that ignores the audio. Writes
 * speech-alignment.png (a held-out spectrogram with the decoded labels over it) and speech.json.
 */
@Command(name = "speech", mixinStandardHelpOptions = true,
        description = {"Speech recognition with CTC: spoken digit strings (espeak-ng, many voices, noise), held-out voices.",
                "Bidirectional and unidirectional networks against a prior baseline; WER, CER and exact matches.",
                "The data set is built once (minutes) and cached under --cache. The budget is shared evenly by the networks."})
public final class SpeechExperimentCommand implements Callable<Integer> {
    @Mixin
    ExperimentOptions options = new ExperimentOptions();

    @Option(names = "--cache", defaultValue = "experiments/speech-cache", description = "Directory of the cached data set.")
    Path cache;
    @Option(names = "--train", defaultValue = "2000", description = "Training utterances.")
    @Range(min = 2, max = 1000000)
    int trainSize;
    @Option(names = "--test", defaultValue = "500", description = "Held-out utterances (unheard voices).")
    @Range(min = 1, max = 1000000)
    int testSize;
    @Option(names = "--cells", split = ",", defaultValue = "lstm,gru", description = "Cells of the bidirectional networks (a unidirectional GRU is always trained too).")
    List<String> cells;
    @Option(names = "--hidden", defaultValue = "96", description = "Hidden units per direction.")
    @Range(min = 1, max = 4096)
    int hidden;
    @Option(names = "--layers", defaultValue = "2", description = "Recurrent layers.")
    @Range(min = 1, max = 16)
    int layers;
    @Option(names = "--stack", defaultValue = "3", description = "Frames stacked into one step (10 ms each).")
    @Range(min = 1, max = 16)
    int stack;
    @Option(names = "--epochs", defaultValue = "30", description = "Training epochs per network at most.")
    @Range(min = 1, max = 100000)
    int epochs;
    @Option(names = "--batch", defaultValue = "32", description = "Utterances per training step.")
    @Range(min = 1, max = 4096)
    int batch;
    @Option(names = "--lr", defaultValue = "2e-3", description = "Adam learning rate.")
    @Range(min = 1e-9, max = 10)
    double lr;
    @Option(names = "--beam", defaultValue = "8", description = "Beam width of the prefix beam search reported beside greedy decoding.")
    @Range(min = 1, max = 1024)
    int beam;

    @Override
    public Integer call() throws Exception {
        options.requireWritableOutput();
        long start = System.nanoTime(), budget = options.budget().toNanos();
        SpokenDigits.Build build = SpokenDigits.build(SpokenDigits.DEFAULT.withSizes(trainSize, testSize).withSeed(options.seed()), cache, System.out);
        SpeechDataset data = build.data().normalised(SpeechDataset.Normalisation.GLOBAL);
        System.out.printf("speech: %d training utterances (%d voices), %d held-out (%d unheard voices); %s, espeak-ng %s%n",
                data.train().size(), data.train().voices().size(), data.test().size(), data.test().voices().size(),
                build.fromCache() ? "read from the cache in " + String.format("%.1f s", build.seconds())
                        : "built in " + String.format("%.1f s", build.seconds()), build.espeakVersion());
        SequenceDataset train = sequences(data.train()), test = sequences(data.test());
        ExperimentReport report = new ExperimentReport("speech", options)
                .setting("train_utterances", data.train().size()).setting("test_utterances", data.test().size())
                .setting("train_voices", data.train().voices().size()).setting("test_voices", data.test().voices().size())
                .setting("features", data.features().bands() + " log-mel bands, 25 ms windows, 10 ms hop, " + stack + " frames a step")
                .setting("hidden", hidden).setting("layers", layers).setting("max_epochs", epochs).setting("batch", batch).setting("lr", lr);

        List<List<String>> rows = new ArrayList<>();
        rows.add(prior(data));
        record Net(String name, CellType cell, boolean bidirectional) {}
        List<Net> nets = new ArrayList<>();
        for (String id : cells) {
            CellType cell = CellType.fromId(id);
            nets.add(new Net("bidirectional " + cell.id() + " (" + layers + "x" + hidden + ")", cell, true));
        }
        nets.add(new Net("unidirectional gru (" + layers + "x" + hidden + ")", CellType.GRU, false));
        int left = nets.size();
        float[][] bestLogits = null;
        double bestWer = Double.MAX_VALUE;
        for (Net net : nets) {
            Duration share = Duration.ofNanos(Math.max(1, (budget - (System.nanoTime() - start)) / left--));
            try (SequenceModel model = SequenceModel.forData(train).cell(net.cell()).hidden(hidden).layers(layers)
                    .bidirectional(net.bidirectional()).seed(options.seed()).build();
                 Trainer trainer = Trainer.builder(model).adam(lr).batchSize(batch).groupByLength(true).seed(options.seed() + 3).build()) {
                long begun = System.nanoTime();
                long stepsPerEpoch = (train.size() + batch - 1) / batch;
                TrainingResult result = trainer.fit(train, Budget.time(share).orSteps(epochs * stepsPerEpoch));
                float[][] logits = model.predict(test);
                Scores greedy = score(data.test(), logits, 0), beamed = score(data.test(), logits, beam);
                double seconds = (System.nanoTime() - begun) / 1e9;
                System.out.printf("  %-34s %3d epochs %6.1f s  WER %s  CER %s  exact %s  (beam %d: WER %s)%n", net.name(), result.epochs(),
                        seconds, ExperimentReport.percent(greedy.wer), ExperimentReport.percent(greedy.cer), ExperimentReport.percent(greedy.exact), beam, ExperimentReport.percent(beamed.wer));
                rows.add(List.of(net.name(), Integer.toString(result.epochs()), String.format("%.0f", seconds), ExperimentReport.percent(greedy.wer),
                        ExperimentReport.percent(greedy.cer), ExperimentReport.percent(greedy.exact), ExperimentReport.percent(beamed.wer)));
                if (greedy.wer < bestWer) {
                    bestWer = greedy.wer;
                    bestLogits = logits;
                }
            }
        }
        report.table("Held-out utterances (voices never heard in training): error rates of greedy decoding",
                List.of("model", "epochs", "seconds", "WER (digits)", "CER (letters)", "exact utterances", "WER, beam " + beam), rows);
        Path png = options.outputDirectory().resolve("speech-alignment.png");
        figure(png, data, bestLogits);
        report.figure(png);
        report.print(System.out);
        System.out.println("results: " + report.writeJson(options.outputDirectory()));
        return 0;
    }

    /** Each utterance's frames stacked {@code stack} at a time (the last partial group zero-padded) with its digit labels. */
    SequenceDataset sequences(SpeechDataset.Split split) {
        List<float[][]> inputs = new ArrayList<>(split.size());
        for (float[][] frames : split.inputs()) {
            inputs.add(stacked(frames, stack));
        }
        return SequenceDataset.ofLabelSequences(inputs, split.labels(), SpeechDataset.CLASSES);
    }

    static float[][] stacked(float[][] frames, int stack) {
        int bands = frames[0].length, steps = (frames.length + stack - 1) / stack;
        float[][] out = new float[steps][bands * stack];
        for (int t = 0; t < frames.length; t++) {
            System.arraycopy(frames[t], 0, out[t / stack], (t % stack) * bands, bands);
        }
        return out;
    }

    private record Scores(double wer, double cer, double exact) {}

    /** WER over digits, CER over the written-out words, exact matches; greedy decoding (beam 0) or prefix beam search. */
    private static Scores score(SpeechDataset.Split split, float[][] logits, int beam) {
        long wordErrors = 0, words = 0, charErrors = 0, chars = 0, exact = 0;
        for (int i = 0; i < split.size(); i++) {
            int steps = logits[i].length / SpeechDataset.CLASSES;
            int[] decoded = beam > 0 ? CtcDecoder.beamSearch(logits[i], 0, steps, SpeechDataset.CLASSES, SpeechDataset.BLANK, beam).labels()
                                     : CtcDecoder.greedy(logits[i], 0, steps, SpeechDataset.CLASSES, SpeechDataset.BLANK).labels();
            int[] reference = split.labels().get(i);
            wordErrors += EditDistance.between(decoded, reference);
            words += reference.length;
            String said = spelled(reference), heard = spelled(decoded);
            charErrors += EditDistance.between(heard, said);
            chars += said.length();
            exact += Arrays.equals(decoded, reference) ? 1 : 0;
        }
        return new Scores((double) wordErrors / words, (double) charErrors / chars, (double) exact / split.size());
    }

    /** Digit labels as words: "seven two oh" style text without the "oh" variant ("zero"). */
    static String spelled(int[] labels) {
        StringBuilder s = new StringBuilder();
        for (int label : labels) {
            s.append(s.isEmpty() ? "" : " ").append(SpokenDigits.WORDS[label - 1]);
        }
        return s.toString();
    }

    /** The baseline without audio: the training set's most common digit, as many times as its median length. */
    private List<String> prior(SpeechDataset data) {
        Map<Integer, Integer> counts = new HashMap<>();
        int[] lengths = new int[data.train().size()];
        for (int i = 0; i < lengths.length; i++) {
            int[] labels = data.train().labels().get(i);
            lengths[i] = labels.length;
            for (int label : labels) {
                counts.merge(label, 1, Integer::sum);
            }
        }
        Arrays.sort(lengths);
        int common = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        int[] guess = new int[lengths[lengths.length / 2]];
        Arrays.fill(guess, common);
        long errors = 0, words = 0, charErrors = 0, chars = 0, exact = 0;
        for (int[] reference : data.test().labels()) {
            errors += EditDistance.between(guess, reference);
            words += reference.length;
            charErrors += EditDistance.between(spelled(guess), spelled(reference));
            chars += spelled(reference).length();
            exact += Arrays.equals(guess, reference) ? 1 : 0;
        }
        return List.of("prior: \"" + spelled(guess) + "\" for every utterance", "-", "-", ExperimentReport.percent((double) errors / words),
                ExperimentReport.percent((double) charErrors / chars), ExperimentReport.percent((double) exact / data.test().size()), "-");
    }

    /** The first held-out utterance's spectrogram with the best network's per-step arg-max classes over it. */
    private void figure(Path png, SpeechDataset data, float[][] logits) throws java.io.IOException {
        float[][] frames = data.test().inputs().get(0);
        int steps = logits[0].length / SpeechDataset.CLASSES;
        int[] classes = new int[steps];
        for (int s = 0; s < steps; s++) {
            int best = 0;
            for (int c = 1; c < SpeechDataset.CLASSES; c++) {
                if (logits[0][s * SpeechDataset.CLASSES + c] > logits[0][s * SpeechDataset.CLASSES + best]) {
                    best = c;
                }
            }
            classes[s] = best;
        }
        SpeechDataset.Utterance u = data.test().utterances().get(0);
        SpeechFigure.alignment(png, "\"" + u.words() + "\" (" + u.voice() + ", unheard in training)", frames, classes,
                SpeechDataset.CLASS_NAMES, SpeechDataset.BLANK, 0.01);
    }

}
