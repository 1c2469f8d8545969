package dev.panamarnn.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * An immutable, in-memory collection of N sequences for training a recurrent model: each sequence
 * has a length T_i >= 1 and either float features (T_i, F) or token ids (T_i) in [0, V), and a
 * target of one {@link Targets} kind. Batch-first at the API (user arrays are
 * [sequence][step][feature]); time-major inside the {@link SequenceBatch}es it cuts.
 *
 * <p>Every factory validates and copies its input: bad data (NaN or infinite values, labels or
 * token ids out of range, empty datasets or sequences, inconsistent widths, mismatched sizes) is an
 * {@link IllegalArgumentException} naming the sequence index (and step). {@link #fromCsv} reports
 * bad file content as an {@link IOException} naming the file, line and column.
 *
 * <p>This class holds data and cuts batches; it does not normalise features or targets (it reports
 * {@link #featureMean()}, {@link #featureStd()}, {@link #targetMean()} and {@link #targetStd()}
 * for the caller to use).
 */
public final class SequenceDataset {

    /**
     * The most CSV text (after decompression) {@link #fromCsv} and {@code TimeSeries.readCsv} read
     * into memory: 256 MiB; beyond it they fail with an IOException naming the file.
     */
    public static final long MAX_CSV_BYTES = 256L << 20;

    /** What each sequence is trained to predict. */
    public enum Targets {
        /** One class id in [0, C) per sequence. */
        CLASS_PER_SEQUENCE,
        /** One class id in [0, C) per step. */
        CLASS_PER_STEP,
        /** K float values per sequence. */
        VALUES_PER_SEQUENCE,
        /** K float values per step. */
        VALUES_PER_STEP,
        /**
         * A sequence of S_i class ids per sequence, not aligned to its steps (S_i at most its length):
         * what a CTC model learns to emit (speech to characters, say). Class 0 is the CTC blank and
         * never a label.
         */
        LABEL_SEQUENCE,
        /** No targets: inputs only, to be predicted (a model can neither train on nor evaluate them). */
        NONE;

        /** True for class ids, false for regression values. */
        public boolean classes() {
            return this == CLASS_PER_SEQUENCE || this == CLASS_PER_STEP || this == LABEL_SEQUENCE;
        }

        /** True when there is a target at every step. */
        public boolean perStep() {
            return this == CLASS_PER_STEP || this == VALUES_PER_STEP;
        }
    }

    /** A dataset split into a training part and a validation part, both non-empty. */
    public record Split(SequenceDataset train, SequenceDataset validation) {
    }

    private final int features;             // F, 0 for tokens
    private final int vocabulary;           // V, 0 for features
    private final Targets targets;
    private final int classes;              // C, 0 for values
    private final int targetSize;           // K, 0 for classes
    private final List<String> classNames;  // (C) or empty
    private final List<String> ids;         // (N) the CSV's sequence ids, or empty
    private final int[] lengths;            // (N) T_i
    private final float[][] inputs;         // (N) each (T_i * F) step-major, or null for tokens
    private final int[][] tokens;           // (N) each (T_i), or null for features
    private final int[][] labels;           // (N) each (1), (T_i) or (S_i), or null for values
    private final float[][] values;         // (N) each (K) or (T_i * K) step-major, or null for classes
    private final float[] mean;             // (F)
    private final float[] std;              // (F), 1 where the population std is 0
    private final float[] targetMean;       // (K), empty for classes
    private final float[] targetStd;        // (K), 1 where the population std is 0; empty for classes

    private SequenceDataset(int features, int vocabulary, Targets targets, int classes, int targetSize,
                            List<String> classNames, List<String> ids, float[][] inputs, int[][] tokens,
                            int[][] labels, float[][] values) {
        this.features = features;
        this.vocabulary = vocabulary;
        this.targets = targets;
        this.classes = classes;
        this.targetSize = targetSize;
        this.classNames = List.copyOf(classNames);
        this.ids = List.copyOf(ids);
        this.inputs = inputs;
        this.tokens = tokens;
        this.labels = labels;
        this.values = values;
        int n = inputs != null ? inputs.length : tokens.length;
        this.lengths = new int[n];
        for (int i = 0; i < n; i++) {
            lengths[i] = inputs != null ? inputs[i].length / features : tokens[i].length;
        }
        this.mean = new float[features];
        this.std = new float[features];
        moments(inputs, features, mean, std);
        this.targetMean = new float[values != null ? targetSize : 0];
        this.targetStd = new float[targetMean.length];
        moments(values, targetMean.length, targetMean, targetStd);
    }

    /** {@code from} with other class names and ids: the data, its lengths and its moments are shared, not recomputed. */
    private SequenceDataset(SequenceDataset from, List<String> classNames, List<String> ids) {
        this.features = from.features;
        this.vocabulary = from.vocabulary;
        this.targets = from.targets;
        this.classes = from.classes;
        this.targetSize = from.targetSize;
        this.classNames = List.copyOf(classNames);
        this.ids = List.copyOf(ids);
        this.inputs = from.inputs;
        this.tokens = from.tokens;
        this.labels = from.labels;
        this.values = from.values;
        this.lengths = from.lengths;
        this.mean = from.mean;
        this.std = from.std;
        this.targetMean = from.targetMean;
        this.targetStd = from.targetStd;
    }

    private static SequenceDataset ofFeatures(SequenceChecks.Flat in, Targets targets, int classes,
                                              int targetSize, int[][] labels, float[][] values) {
        return new SequenceDataset(in.width(), 0, targets, classes, targetSize, List.of(), List.of(), in.rows(), null,
                labels, values);
    }

    // ---- factories -------------------------------------------------------------------------

    /**
     * Fixed-length sequences with one class label each.
     * @param inputs (N, T, F) features, every sequence T steps
     * @param labels (N) class ids in [0, classes)
     */
    public static SequenceDataset ofArrays(float[][][] inputs, int[] labels, int classes) {
        return ofSequences(fixedLength(inputs), labels, classes);
    }

    /**
     * Fixed-length sequences with K regression targets each.
     * @param inputs  (N, T, F) features, every sequence T steps
     * @param targets (N, K)
     */
    public static SequenceDataset ofArrays(float[][][] inputs, float[][] targets) {
        return ofSequences(fixedLength(inputs), targets);
    }

    /**
     * Variable-length sequences with one class label each.
     * @param inputs (N) each (T_i, F)
     * @param labels (N) class ids in [0, classes)
     */
    public static SequenceDataset ofSequences(List<float[][]> inputs, int[] labels, int classes) {
        SequenceChecks.Flat in = SequenceChecks.steps(inputs, null, "", "feature");
        return ofFeatures(in, Targets.CLASS_PER_SEQUENCE, classes, 0,
                SequenceChecks.labels(labels, in.rows().length, classes), null);
    }

    /**
     * Variable-length sequences with K regression targets each.
     * @param inputs  (N) each (T_i, F)
     * @param targets (N, K)
     */
    public static SequenceDataset ofSequences(List<float[][]> inputs, float[][] targets) {
        SequenceChecks.Flat in = SequenceChecks.steps(inputs, null, "", "feature");
        SequenceChecks.Flat out = SequenceChecks.values(targets, in.rows().length);
        return ofFeatures(in, Targets.VALUES_PER_SEQUENCE, 0, out.width(), null, out.rows());
    }

    /**
     * Variable-length sequences without targets ({@link Targets#NONE}), to be predicted.
     * @param inputs (N) each (T_i, F)
     */
    public static SequenceDataset ofInputs(List<float[][]> inputs) {
        SequenceChecks.Flat in = SequenceChecks.steps(inputs, null, "", "feature");
        return ofFeatures(in, Targets.NONE, 0, 0, null, null);
    }

    /**
     * Sequences with a class label at every step (tagging).
     * @param inputs (N) each (T_i, F)
     * @param labels (N) each (T_i) class ids in [0, classes)
     */
    public static SequenceDataset ofStepLabels(List<float[][]> inputs, List<int[]> labels, int classes) {
        SequenceChecks.Flat in = SequenceChecks.steps(inputs, null, "", "feature");
        return ofFeatures(in, Targets.CLASS_PER_STEP, classes, 0,
                SequenceChecks.stepLabels(labels, lengthsOf(in), classes), null);
    }

    /**
     * Sequences with K regression targets at every step.
     * @param inputs  (N) each (T_i, F)
     * @param targets (N) each (T_i, K)
     */
    public static SequenceDataset ofStepTargets(List<float[][]> inputs, List<float[][]> targets) {
        SequenceChecks.Flat in = SequenceChecks.steps(inputs, null, "", "feature");
        SequenceChecks.Flat out = SequenceChecks.steps(targets, lengthsOf(in), "targets of ", "value");
        return ofFeatures(in, Targets.VALUES_PER_STEP, 0, out.width(), null, out.rows());
    }

    /**
     * Sequences with an unaligned label sequence each (CTC): classes include the blank, class 0,
     * which is never a label; each label sequence must fit its input (its length plus one step
     * between each pair of equal neighbours, at most T_i).
     * @param inputs (N) each (T_i, F)
     * @param labels (N) each (S_i) class ids in [1, classes); may be empty
     */
    public static SequenceDataset ofLabelSequences(List<float[][]> inputs, List<int[]> labels, int classes) {
        SequenceChecks.Flat in = SequenceChecks.steps(inputs, null, "", "feature");
        return ofFeatures(in, Targets.LABEL_SEQUENCE, classes, 0, SequenceChecks.labelSequences(labels, lengthsOf(in), classes), null);
    }

    /**
     * Token-id sequences with one class label each.
     * @param sequences (N) each (T_i) ids in [0, vocabulary)
     * @param labels    (N) class ids in [0, classes)
     */
    public static SequenceDataset ofTokens(List<int[]> sequences, int vocabulary, int[] labels, int classes) {
        int[][] ids = SequenceChecks.tokens(sequences, vocabulary);
        return new SequenceDataset(0, vocabulary, Targets.CLASS_PER_SEQUENCE, classes, 0, List.of(), List.of(), null, ids,
                SequenceChecks.labels(labels, ids.length, classes), null);
    }

    /**
     * Token-id sequences with a class label at every step (tagging).
     * @param sequences (N) each (T_i) ids in [0, vocabulary)
     * @param labels    (N) each (T_i) class ids in [0, classes)
     */
    public static SequenceDataset ofTokenStepLabels(List<int[]> sequences, int vocabulary, List<int[]> labels, int classes) {
        int[][] ids = SequenceChecks.tokens(sequences, vocabulary);
        return new SequenceDataset(0, vocabulary, Targets.CLASS_PER_STEP, classes, 0, List.of(), List.of(), null, ids,
                SequenceChecks.stepLabels(labels, tokenLengths(ids), classes), null);
    }

    /**
     * Token-id sequences without targets ({@link Targets#NONE}), to be predicted.
     * @param sequences (N) each (T_i) ids in [0, vocabulary)
     */
    public static SequenceDataset ofTokenInputs(List<int[]> sequences, int vocabulary) {
        int[][] ids = SequenceChecks.tokens(sequences, vocabulary);
        return new SequenceDataset(0, vocabulary, Targets.NONE, 0, 0, List.of(), List.of(), null, ids, null, null);
    }

    /** (N) T_i of each token sequence. */
    private static int[] tokenLengths(int[][] ids) {
        int[] lengths = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            lengths[i] = ids[i].length;
        }
        return lengths;
    }

    /**
     * A corpus cut into consecutive non-overlapping windows of {@code window} steps for next-token
     * prediction: window k reads tokens[s, s + w) with s = k * w and is labelled, step by step, with
     * tokens[s + 1, s + w + 1) (CLASS_PER_STEP, C = V). The last partial window is dropped.
     * @throws IllegalArgumentException if there are fewer than window + 1 tokens or an id is out of
     *         [0, vocabulary)
     */
    public static SequenceDataset languageModel(int[] tokens, int vocabulary, int window) {
        SequenceChecks.atLeastOne("window", window);
        checkTokens(tokens, vocabulary, window + 1L, "a language model with window " + window);
        int n = (tokens.length - 1) / window;
        int[][] ids = new int[n][];    // (N) each (w)
        int[][] next = new int[n][];   // (N) each (w), ids shifted by one
        for (int k = 0; k < n; k++) {
            ids[k] = Arrays.copyOfRange(tokens, k * window, (k + 1) * window);
            next[k] = Arrays.copyOfRange(tokens, k * window + 1, (k + 1) * window + 1);
        }
        return new SequenceDataset(0, vocabulary, Targets.CLASS_PER_STEP, vocabulary, 0, List.of(), List.of(), null, ids,
                next, null);
    }

    /**
     * A corpus read as {@code streams} long parallel streams for stateful next-token training:
     * stream r reads tokens[r * L, (r + 1) * L) with L = (n - 1) / streams and is labelled, step
     * by step, with the token after each (CLASS_PER_STEP, C = V). Trained with
     * {@code Trainer.builder(model).batchSize(streams).truncatedBptt(k)}, one batch holds every
     * stream and is trained window after window of k steps, the state carried from one window to
     * the next, as a character-level language model is usually trained. The last (n - 1) mod streams
     * tokens are dropped.
     * @throws IllegalArgumentException if there are fewer than streams + 1 tokens or an id is out
     *         of [0, vocabulary)
     */
    public static SequenceDataset languageModelStreams(int[] tokens, int vocabulary, int streams) {
        SequenceChecks.atLeastOne("streams", streams);
        checkTokens(tokens, vocabulary, streams + 1L, "a language model read as " + streams + " streams");
        int length = (tokens.length - 1) / streams;
        int[][] ids = new int[streams][];    // (B) each (L)
        int[][] next = new int[streams][];   // (B) each (L), ids shifted by one
        for (int r = 0; r < streams; r++) {
            ids[r] = Arrays.copyOfRange(tokens, r * length, (r + 1) * length);
            next[r] = Arrays.copyOfRange(tokens, r * length + 1, (r + 1) * length + 1);
        }
        return new SequenceDataset(0, vocabulary, Targets.CLASS_PER_STEP, vocabulary, 0, List.of(), List.of(), null, ids,
                next, null);
    }

    /**
     * A univariate series cut into windows with stride 1 for one-step-ahead forecasting at every
     * step: window s reads series[s, s + w) as (w, 1) features and is targeted, step by step, with
     * series[s + 1, s + w + 1) (VALUES_PER_STEP, K = 1).
     * @throws IllegalArgumentException if the series is shorter than window + 1 or holds a value
     *         that is not a finite float
     */
    public static SequenceDataset nextValues(double[] series, int window) {
        SequenceChecks.atLeastOne("window", window);
        float[] f = finiteFloats(series, window + 1L, "a series cut into windows of " + window + " for next values");
        int n = f.length - window;
        float[][] in = new float[n][];   // (N) each (w * 1)
        float[][] out = new float[n][];  // (N) each (w * 1), shifted by one
        for (int s = 0; s < n; s++) {
            in[s] = Arrays.copyOfRange(f, s, s + window);
            out[s] = Arrays.copyOfRange(f, s + 1, s + window + 1);
        }
        return new SequenceDataset(1, 0, Targets.VALUES_PER_STEP, 0, 1, List.of(), List.of(), in, null, null, out);
    }

    /**
     * A univariate series cut into windows with stride 1: window s reads series[s, s + w) as (w, 1)
     * features and targets the next {@code horizon} values series[s + w, s + w + horizon)
     * (VALUES_PER_SEQUENCE, K = horizon).
     * @throws IllegalArgumentException if the series is shorter than window + horizon or holds a
     *         value that is not a finite float
     */
    public static SequenceDataset ofSeries(double[] series, int window, int horizon) {
        SequenceChecks.atLeastOne("window", window);
        SequenceChecks.atLeastOne("horizon", horizon);
        float[] f = finiteFloats(series, (long) window + horizon, "a series cut into windows of " + window + " with horizon " + horizon);
        int n = series.length - window - horizon + 1;
        float[][] in = new float[n][];   // (N) each (w * 1)
        float[][] out = new float[n][];  // (N) each (horizon)
        for (int s = 0; s < n; s++) {
            in[s] = Arrays.copyOfRange(f, s, s + window);
            out[s] = Arrays.copyOfRange(f, s + window, s + window + horizon);
        }
        return new SequenceDataset(1, 0, Targets.VALUES_PER_SEQUENCE, 0, horizon, List.of(), List.of(), in, null, null,
                out);
    }

    /**
     * Reads the "long" CSV layout (one row per time step, a sequence-id column); see
     * {@link CsvLayout}. The dialect is {@link TimeSeries}'s (a header line, comma-split fields,
     * quotes and surrounding spaces stripped, blank lines skipped, UTF-8); a gzip-compressed file
     * (recognised by its first bytes, whatever its name) is decompressed. The sequences keep their
     * ids ({@link #ids()}); a layout without a label or targets gives {@link Targets#NONE}.
     * @throws IOException if the file cannot be read, or for any bad content — a missing or
     *         duplicated column, a row with another number of fields, an empty id or label, a value
     *         that is not a finite float, two rows of a sequence at the same time, a label or
     *         target that changes within a sequence without {@link CsvLayout#perStep(boolean)},
     *         more than {@link #MAX_CSV_BYTES} bytes of text; the message names the file, line and column
     */
    public static SequenceDataset fromCsv(Path file, CsvLayout layout) throws IOException {
        return SequenceCsv.read(file, layout);
    }

    /**
     * The same from a stream (not closed), e.g. a resource; {@code name} stands for the file in messages.
     * @throws IOException as {@link #fromCsv(Path, CsvLayout)}
     */
    public static SequenceDataset fromCsv(InputStream in, String name, CsvLayout layout) throws IOException {
        return SequenceCsv.read(in, name, layout);
    }

    /**
     * The column names of a CSV file's header line (quotes and surrounding spaces stripped), to
     * choose a layout by; gzip-compressed files too.
     * @throws IOException if the file cannot be read or is empty
     */
    public static List<String> csvHeader(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("CSV file " + file + " does not exist or is not a file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return SequenceCsv.header(in, file.toString());
        }
    }

    /** The same from a stream (not closed); {@code name} stands for the file in messages. */
    public static List<String> csvHeader(InputStream in, String name) throws IOException {
        return SequenceCsv.header(in, name);
    }

    /** The same data with class names attached (CSV labels). */
    SequenceDataset withClassNames(List<String> names) {
        if (names.size() != classes) {
            throw new IllegalArgumentException("got " + names.size() + " class names for " + classes + " classes");
        }
        return new SequenceDataset(this, names, ids);
    }

    /** The same data with each sequence's id attached (CSV ids, in dataset order). */
    SequenceDataset withIds(List<String> sequenceIds) {
        if (sequenceIds.size() != size()) {
            throw new IllegalArgumentException("got " + sequenceIds.size() + " ids for " + size() + " sequences");
        }
        return new SequenceDataset(this, classNames, sequenceIds);
    }

    private static List<float[][]> fixedLength(float[][][] inputs) {
        if (inputs == null) {
            throw new IllegalArgumentException("inputs are null");
        }
        for (int i = 1; i < inputs.length; i++) {
            if (inputs[i] != null && inputs[0] != null && inputs[i].length != inputs[0].length) {
                throw new IllegalArgumentException("sequence " + i + " has " + inputs[i].length + " steps, expected "
                        + inputs[0].length + " (as sequence 0); use ofSequences for variable lengths");
            }
        }
        return Arrays.asList(inputs);
    }

    private static int[] lengthsOf(SequenceChecks.Flat in) {
        int[] t = new int[in.rows().length];
        for (int i = 0; i < t.length; i++) {
            t[i] = in.rows()[i].length / in.width();
        }
        return t;
    }

    // ---- queries ---------------------------------------------------------------------------

    /** N, the number of sequences (at least 1). */
    public int size() {
        return lengths.length;
    }

    /** True when the sequences are token ids, false for float features. */
    public boolean tokens() {
        return tokens != null;
    }

    /** F, the features per step; 0 for token sequences. */
    public int features() {
        return features;
    }

    /** V, the vocabulary size; 0 for feature sequences. */
    public int vocabulary() {
        return vocabulary;
    }

    public Targets targets() {
        return targets;
    }

    /** True when the sequences have targets to train on or evaluate against (not {@link Targets#NONE}). */
    public boolean hasTargets() {
        return targets != Targets.NONE;
    }

    /** C, the number of classes; 0 for regression values. */
    public int classes() {
        return classes;
    }

    /** K, the values per target; 0 for class labels. */
    public int targetSize() {
        return targetSize;
    }

    /** The class names in class-id order (CSV labels), or empty. */
    public List<String> classNames() {
        return classNames;
    }

    /** Each sequence's id as the CSV file spelt it, in dataset order (subsets keep theirs); empty when not read from a CSV. */
    public List<String> ids() {
        return ids;
    }

    /** T_i, the length of sequence i. */
    public int length(int i) {
        return lengths[Objects.checkIndex(i, lengths.length)];
    }

    /** The longest sequence's length. */
    public int maxLength() {
        return Arrays.stream(lengths).max().orElseThrow();
    }

    /** (F) the mean of every feature over every step of every sequence; empty for tokens. */
    public float[] featureMean() {
        return mean.clone();
    }

    /** (F) the population standard deviation of every feature (1 where it is 0); empty for tokens. */
    public float[] featureStd() {
        return std.clone();
    }

    /** (K) the mean of every target value over every sequence (and every step, per step); empty for classes. */
    public float[] targetMean() {
        return targetMean.clone();
    }

    /** (K) the population standard deviation of every target value (1 where it is 0); empty for classes. */
    public float[] targetStd() {
        return targetStd.clone();
    }

    /** (T_i, F) sequence i's features, a copy. */
    public float[][] inputs(int i) {
        require(inputs != null, "inputs(i) reads features; this dataset holds token ids (use tokenIds(i))");
        return unflatten(inputs[Objects.checkIndex(i, size())], features);
    }

    /** (T_i) sequence i's token ids, a copy. */
    public int[] tokenIds(int i) {
        require(tokens != null, "tokenIds(i) reads token ids; this dataset holds features (use inputs(i))");
        return tokens[Objects.checkIndex(i, size())].clone();
    }

    /** Sequence i's class id (CLASS_PER_SEQUENCE). */
    public int label(int i) {
        require(targets == Targets.CLASS_PER_SEQUENCE, "label(i) needs CLASS_PER_SEQUENCE targets, not " + targets);
        return labels[Objects.checkIndex(i, size())][0];
    }

    /** (T_i) sequence i's class id at every step (CLASS_PER_STEP), a copy. */
    public int[] stepLabels(int i) {
        require(targets == Targets.CLASS_PER_STEP, "stepLabels(i) needs CLASS_PER_STEP targets, not " + targets);
        return labels[Objects.checkIndex(i, size())].clone();
    }

    /** (S_i) sequence i's label sequence (LABEL_SEQUENCE), a copy. */
    public int[] labelSequence(int i) {
        require(targets == Targets.LABEL_SEQUENCE, "labelSequence(i) needs LABEL_SEQUENCE targets, not " + targets);
        return labels[Objects.checkIndex(i, size())].clone();
    }

    /** (K) sequence i's target values (VALUES_PER_SEQUENCE), a copy. */
    public float[] target(int i) {
        require(targets == Targets.VALUES_PER_SEQUENCE, "target(i) needs VALUES_PER_SEQUENCE targets, not " + targets);
        return values[Objects.checkIndex(i, size())].clone();
    }

    /** (T_i, K) sequence i's target values at every step (VALUES_PER_STEP), a copy. */
    public float[][] stepTargets(int i) {
        require(targets == Targets.VALUES_PER_STEP, "stepTargets(i) needs VALUES_PER_STEP targets, not " + targets);
        return unflatten(values[Objects.checkIndex(i, size())], targetSize);
    }

    @Override
    public String toString() {
        return "SequenceDataset[" + size() + " sequences, " + (tokens() ? "V=" + vocabulary : "F=" + features)
                + ", " + targets + (targets.classes() ? ", C=" + classes : hasTargets() ? ", K=" + targetSize : "")
                + ", max length " + maxLength() + "]";
    }

    // ---- operations ------------------------------------------------------------------------

    /**
     * Splits off a validation part: the indices are shuffled with {@code new SplittableRandom(seed)}
     * and the first round(N * fraction) go to validation, the rest to training; each part keeps
     * the dataset's order.
     * @throws IllegalArgumentException if the fraction is not in (0, 1) or either part would be empty
     */
    public Split split(double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in (0, 1), got " + validationFraction);
        }
        int n = size();
        int held = (int) Math.round(n * validationFraction);
        if (held < 1 || held > n - 1) {
            throw new IllegalArgumentException("a validation fraction of " + validationFraction + " of " + n
                    + " sequences leaves " + held + " for validation and " + (n - held)
                    + " for training; both need at least one");
        }
        int[] order = SequenceBatches.permutation(n, new SplittableRandom(seed));
        int[] validation = Arrays.copyOfRange(order, 0, held);
        int[] train = Arrays.copyOfRange(order, held, n);
        Arrays.sort(validation);
        Arrays.sort(train);
        return new Split(subset(train), subset(validation));
    }

    /**
     * The sequences at {@code rows}, in that order (an index may repeat).
     * @throws IllegalArgumentException if rows is empty or an index is outside [0, N)
     */
    public SequenceDataset subset(int[] rows) {
        Objects.requireNonNull(rows, "rows");
        SequenceChecks.notEmpty(rows.length);
        float[][] in = inputs != null ? new float[rows.length][] : null;
        int[][] tokenIds = tokens != null ? new int[rows.length][] : null;
        int[][] lab = labels != null ? new int[rows.length][] : null;
        float[][] val = values != null ? new float[rows.length][] : null;
        String[] id = ids.isEmpty() ? null : new String[rows.length];
        for (int j = 0; j < rows.length; j++) {
            int i = rows[j];
            if (i < 0 || i >= size()) {
                throw new IllegalArgumentException("row " + j + " is sequence " + i + ", outside [0, " + size() + ")");
            }
            // the per-sequence arrays are never written after construction, so subsets share them
            if (in != null) in[j] = inputs[i];
            if (tokenIds != null) tokenIds[j] = tokens[i];
            if (lab != null) lab[j] = labels[i];
            if (val != null) val[j] = values[i];
            if (id != null) id[j] = ids.get(i);
        }
        return new SequenceDataset(features, vocabulary, targets, classes, targetSize, classNames,
                id == null ? List.of() : List.of(id), in, tokenIds, lab, val);
    }

    /**
     * Cuts the dataset into batches holding every sequence exactly once, as {@link SequenceBatch}
     * documents (time-major, zero padding, rows = dataset indices). With {@code shuffle} the order
     * comes from {@code new SplittableRandom(seed)} (same seed, same batches); without it the
     * order is the dataset's. With {@code groupByLength}, each chunk of 32 batches' worth of that
     * order is sorted by length (stably) before it is cut, so a batch holds similar lengths, and
     * then (if shuffling) the batches' order is shuffled. The last batch cut may be smaller.
     *
     * <p>The list is planned now and each {@code get} assembles its batch anew (fresh arrays), so
     * the padded copy of the whole dataset never exists at once.
     * @throws IllegalArgumentException if batchSize < 1
     */
    public List<SequenceBatch> batches(int batchSize, boolean shuffle, boolean groupByLength, long seed) {
        SequenceChecks.atLeastOne("batch size", batchSize);
        return new SequenceBatches(this, SequenceBatches.plan(lengths, batchSize, shuffle, groupByLength, seed));
    }

    // ---- package-private views for SequenceBatches (never written) --------------------------

    float[] rawInputs(int i) {   // (T_i * F)
        return inputs[i];
    }

    int[] rawTokens(int i) {     // (T_i)
        return tokens[i];
    }

    int[] rawLabels(int i) {     // (1), (T_i) or (S_i)
        return labels[i];
    }

    float[] rawValues(int i) {   // (K) or (T_i * K)
        return values[i];
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** At least {@code needed} tokens, each in [0, vocabulary); {@code what} starts the message. */
    private static void checkTokens(int[] tokens, int vocabulary, long needed, String what) {
        SequenceChecks.atLeastOne("vocabulary", vocabulary);
        if (tokens == null) {
            throw new IllegalArgumentException("tokens is null");
        }
        if (tokens.length < needed) {
            throw new IllegalArgumentException(what + " needs at least " + needed + " tokens, got " + tokens.length);
        }
        for (int s = 0; s < tokens.length; s++) {
            if (tokens[s] < 0 || tokens[s] >= vocabulary) {
                throw new IllegalArgumentException("token " + s + " is " + tokens[s] + ", outside the vocabulary [0, "
                        + vocabulary + ")");
            }
        }
    }

    /** The series as floats, at least {@code needed} values, each finite; {@code what} starts the message. */
    private static float[] finiteFloats(double[] series, long needed, String what) {
        if (series == null) {
            throw new IllegalArgumentException("series is null");
        }
        if (series.length < needed) {
            throw new IllegalArgumentException(what + " needs at least " + needed + " values, got " + series.length);
        }
        float[] f = new float[series.length];
        for (int s = 0; s < f.length; s++) {
            f[s] = (float) series[s];
            if (!Float.isFinite(f[s])) {
                throw new IllegalArgumentException("series value " + s + " is " + series[s] + ", not a finite float");
            }
        }
        return f;
    }

    /**
     * Mean and population std per column over every row, accumulated in double: of the features
     * (rows (T_i * F)) or of the target values (rows (K) or (T_i * K)). Nothing for width 0.
     */
    private static void moments(float[][] rows, int width, float[] mean, float[] std) {
        if (width == 0) {
            return;
        }
        double[] sum = new double[width];
        long count = 0;
        for (float[] row : rows) {
            for (int j = 0; j < row.length; j++) {
                sum[j % width] += row[j];
            }
            count += row.length / width;
        }
        double[] m = new double[width];
        for (int f = 0; f < width; f++) {
            m[f] = sum[f] / count;
        }
        double[] squares = new double[width];
        for (float[] row : rows) {
            for (int j = 0; j < row.length; j++) {
                double d = row[j] - m[j % width];
                squares[j % width] += d * d;
            }
        }
        for (int f = 0; f < width; f++) {
            float s = (float) Math.sqrt(squares[f] / count);
            mean[f] = (float) m[f];
            std[f] = s == 0 ? 1f : s; // a constant column (or one whose std underflows a float)
        }
    }

    private static float[][] unflatten(float[] row, int width) {
        float[][] out = new float[row.length / width][];
        for (int t = 0; t < out.length; t++) {
            out[t] = Arrays.copyOfRange(row, t * width, (t + 1) * width);
        }
        return out;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
