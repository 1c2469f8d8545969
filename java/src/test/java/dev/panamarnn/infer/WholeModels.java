package dev.panamarnn.infer;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.testing.TestData;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Whole models for the serving tests: small SequenceModels, their inputs, and events in both kinds. */
final class WholeModels {
    static final int FEATURES = 3;
    static final int VOCABULARY = 11;
    static final int EMBEDDING = 4;
    static final int HIDDEN = 6;
    static final int OUTPUTS = 5;
    /** Lengths of the test sequences: several, so predict() batches padded rows. */
    static final int[] LENGTHS = {5, 9, 7};

    private WholeModels() {}

    /**
     * A classifier over tokens or normalised features (mean and std far from 0 and 1, so a missing
     * normalisation shows), a head with a hidden ReLU layer of width K (0: one Linear).
     */
    static SequenceModel model(boolean tokens, CellType cell, int layers, int headHidden, OutputMode mode, long seed, Kernels kernels) {
        SequenceModel.Builder b = SequenceModel.builder().cell(cell).hidden(HIDDEN).layers(layers).headHidden(headHidden)
                .classify(OUTPUTS).output(mode).seed(seed).kernels(kernels);
        if (tokens) {
            b.tokens(VOCABULARY, EMBEDDING);
        } else {
            b.features(FEATURES).normalise(new float[] {2f, -1f, 0.5f}, new float[] {3f, 0.5f, 1.5f});
        }
        return b.build();
    }

    /**
     * Inputs for {@code model.predict} and for the streams: N sequences of tokens or features (around
     * the normalisation's mean), with placeholder targets of the kind the output mode needs (predict
     * reads none). Per-step token data are language-model windows, all of one length.
     */
    static SequenceDataset data(boolean tokens, OutputMode mode, long seed) {
        int n = LENGTHS.length;
        boolean perStep = mode == OutputMode.PER_STEP;
        if (tokens) {
            return perStep ? SequenceDataset.languageModel(ids(seed, n * 7 + 1), VOCABULARY, 7)
                    : SequenceDataset.ofTokens(tokenSequences(seed), VOCABULARY, new int[n], 2);
        }
        List<float[][]> features = featureSequences(seed);
        if (!perStep) {
            return SequenceDataset.ofSequences(features, new int[n], 2);
        }
        List<int[]> labels = new ArrayList<>();
        for (float[][] x : features) {
            labels.add(new int[x.length]);
        }
        return SequenceDataset.ofStepLabels(features, labels, 2);
    }

    /** The first 1, 2, ..., T_i steps of sequence i of {@code data}, as per-sequence data. */
    static SequenceDataset prefixes(SequenceDataset data, int i) {
        int steps = data.length(i);
        if (data.tokens()) {
            List<int[]> prefixes = new ArrayList<>();
            for (int t = 1; t <= steps; t++) {
                prefixes.add(Arrays.copyOf(data.tokenIds(i), t));
            }
            return SequenceDataset.ofTokens(prefixes, VOCABULARY, new int[steps], 2);
        }
        List<float[][]> prefixes = new ArrayList<>();
        for (int t = 1; t <= steps; t++) {
            prefixes.add(Arrays.copyOf(data.inputs(i), t));
        }
        return SequenceDataset.ofSequences(prefixes, new int[steps], 2);
    }

    private static List<float[][]> featureSequences(long seed) {
        List<float[][]> sequences = new ArrayList<>();
        for (int i = 0; i < LENGTHS.length; i++) {
            float[][] x = InferTesting.sequence(seed + i, LENGTHS[i], FEATURES);
            for (float[] step : x) {
                step[0] = 2f + 4f * step[0];
                step[1] = -1f + step[1];
                step[2] = 0.5f + 2f * step[2];
            }
            sequences.add(x);
        }
        return sequences;
    }

    private static List<int[]> tokenSequences(long seed) {
        List<int[]> sequences = new ArrayList<>();
        for (int i = 0; i < LENGTHS.length; i++) {
            sequences.add(ids(seed + i, LENGTHS[i]));
        }
        return sequences;
    }

    /** n ids in [0, V). */
    static int[] ids(long seed, int n) {
        float[] u = TestData.uniform(seed, n, 1);
        int[] ids = new int[n];
        for (int t = 0; t < n; t++) {
            ids[t] = Math.min(VOCABULARY - 1, (int) ((u[t] + 1) / 2 * VOCABULARY));
        }
        return ids;
    }

    /**
     * One stream through sequence i of {@code data} from a reset: every step's output (T_i, outputs).
     * Alternates the allocation-free overloads (arrays, segments, the returned view).
     */
    static float[][] stream(StreamState stream, SequenceDataset data, int i) {
        int steps = data.length(i);
        int[] ids = data.tokens() ? data.tokenIds(i) : null;
        float[][] x = data.tokens() ? null : data.inputs(i);
        float[][] y = new float[steps][stream.outputSize()];
        stream.reset();
        for (int t = 0; t < steps; t++) {
            MemorySegment out = MemorySegment.ofArray(y[t]);
            if (ids != null) {
                switch (t % 3) {
                    case 0 -> stream.step(ids[t], y[t]);
                    case 1 -> stream.step(ids[t], out);
                    default -> MemorySegment.copy(stream.step(ids[t]), ValueLayout.JAVA_FLOAT, 0, y[t], 0, y[t].length);
                }
            } else {
                MemorySegment in = MemorySegment.ofArray(x[t].clone());
                switch (t % 3) {
                    case 0 -> stream.step(x[t], y[t]);
                    case 1 -> stream.step(in, out);
                    default -> MemorySegment.copy(stream.step(in), ValueLayout.JAVA_FLOAT, 0, y[t], 0, y[t].length);
                }
            }
        }
        return y;
    }

    /**
     * Tolerance of a whole model's outputs between two summation orders: the stack's
     * ({@link InferTesting#tolerance}) and one more layer for each Linear of the head.
     */
    static double tolerance(int input, int layers, int headHidden) {
        return InferTesting.tolerance(Math.max(input, headHidden), HIDDEN, layers + (headHidden > 0 ? 2 : 1));
    }
}
