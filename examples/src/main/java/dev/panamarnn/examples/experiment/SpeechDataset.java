package dev.panamarnn.examples.experiment;

import java.util.ArrayList;
import java.util.List;

/**
 * A speech data set for CTC: per utterance a log-mel feature sequence (T, bands), its label
 * sequence over {@link #CLASSES} classes (0 = the CTC blank, 1 + d = digit d) and what was said.
 * Made by {@link SpokenDigits#build}; a plain record of lists, so a model can take
 * {@code split.inputs()} and {@code split.labels()} as they are.
 */
public record SpeechDataset(Split train, Split test, SpeechFeatures.Config features) {
    /** The CTC blank's class id. */
    public static final int BLANK = 0;
    /** Blank and the ten digits. */
    public static final int CLASSES = 11;
    /** Class names for figures and tables: "_" for the blank, then "0" .. "9". */
    public static final List<String> CLASS_NAMES = List.of("_", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** How the feature values are normalised. */
    public enum Normalisation {
        /** As computed: log(mel + 1e-6). */
        NONE,
        /** Each band of each utterance to mean 0, variance 1 over that utterance's frames (CMVN). */
        UTTERANCE,
        /** Each band to mean 0, variance 1 over all frames of the training split; the test split uses the same statistics. */
        GLOBAL
    }

    /** What one utterance is: the digits, the words spoken, and how they were synthesised. */
    public record Utterance(String transcript, String words, String voice, int speed, int pitch, double snrDb) {}

    /** One split: inputs (T_i, bands), labels (L_i) over {@link #CLASSES}, and their utterances, index by index. */
    public record Split(List<float[][]> inputs, List<int[]> labels, List<Utterance> utterances) {
        public Split {
            if (inputs.size() != labels.size() || inputs.size() != utterances.size()) {
                throw new IllegalArgumentException("inputs, labels and utterances must have one count, got "
                        + inputs.size() + ", " + labels.size() + " and " + utterances.size());
            }
            inputs = List.copyOf(inputs);
            labels = List.copyOf(labels);
            utterances = List.copyOf(utterances);
        }

        public int size() {
            return inputs.size();
        }

        /** The digit strings, e.g. "40719". */
        public List<String> transcripts() {
            return utterances.stream().map(Utterance::transcript).toList();
        }

        /** The distinct voices (espeak-ng voice+variant), in first-seen order. */
        public List<String> voices() {
            return utterances.stream().map(Utterance::voice).distinct().toList();
        }

        /** Total frames over all utterances. */
        public long frames() {
            return inputs.stream().mapToLong(x -> x.length).sum();
        }
    }

    /** Labels of a digit string: digit d is class 1 + d. */
    public static int[] labelsOf(String digits) {
        int[] labels = new int[digits.length()];
        for (int i = 0; i < labels.length; i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("not a digit string: \"" + digits + "\"");
            }
            labels[i] = 1 + (c - '0');
        }
        return labels;
    }

    /** The digit string of labels (classes 1 .. 10); the blank or an id out of range is refused. */
    public static String transcriptOf(int[] labels) {
        StringBuilder s = new StringBuilder(labels.length);
        for (int label : labels) {
            if (label < 1 || label >= CLASSES) {
                throw new IllegalArgumentException("label " + label + " is not a digit class (1 to " + (CLASSES - 1) + ")");
            }
            s.append((char) ('0' + label - 1));
        }
        return s.toString();
    }

    /** This data set with its features normalised; {@link Normalisation#GLOBAL} uses the training split's statistics for both splits. */
    public SpeechDataset normalised(Normalisation how) {
        return switch (how) {
            case NONE -> this;
            case UTTERANCE -> new SpeechDataset(perUtterance(train), perUtterance(test), features);
            case GLOBAL -> {
                double[][] stats = statistics(train.inputs(), features.bands());
                yield new SpeechDataset(apply(train, stats), apply(test, stats), features);
            }
        };
    }

    private static Split perUtterance(Split split) {
        List<float[][]> out = new ArrayList<>(split.size());
        for (float[][] x : split.inputs()) {
            out.add(standardise(x, statistics(List.<float[][]>of(x), x.length == 0 ? 0 : x[0].length)));
        }
        return new Split(out, split.labels(), split.utterances());
    }

    private static Split apply(Split split, double[][] stats) {
        List<float[][]> out = new ArrayList<>(split.size());
        for (float[][] x : split.inputs()) {
            out.add(standardise(x, stats));
        }
        return new Split(out, split.labels(), split.utterances());
    }

    /** Per band {mean, standard deviation} over all frames of {@code xs}: (2, bands). */
    static double[][] statistics(List<float[][]> xs, int bands) {
        double[] sum = new double[bands], squares = new double[bands];
        long n = 0;
        for (float[][] x : xs) {
            for (float[] frame : x) {
                for (int b = 0; b < bands; b++) {
                    sum[b] += frame[b];
                    squares[b] += (double) frame[b] * frame[b];
                }
                n++;
            }
        }
        double[] mean = new double[bands], std = new double[bands];
        for (int b = 0; b < bands; b++) {
            mean[b] = n == 0 ? 0 : sum[b] / n;
            double variance = n == 0 ? 1 : Math.max(0, squares[b] / n - mean[b] * mean[b]);
            std[b] = Math.max(Math.sqrt(variance), 1e-5);       // a constant band stays finite
        }
        return new double[][] {mean, std};
    }

    private static float[][] standardise(float[][] x, double[][] stats) {
        float[][] out = new float[x.length][];
        for (int t = 0; t < x.length; t++) {
            out[t] = new float[x[t].length];
            for (int b = 0; b < x[t].length; b++) {
                out[t][b] = (float) ((x[t][b] - stats[0][b]) / stats[1][b]);
            }
        }
        return out;
    }
}
