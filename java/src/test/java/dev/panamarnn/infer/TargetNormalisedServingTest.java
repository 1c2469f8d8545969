package dev.panamarnn.infer;

import static dev.panamarnn.infer.InferTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A regressor with target normalisation served step by step gives its outputs in the targets'
 * units, as {@link SequenceModel#predict} does: a stream's step outputs and a stream batcher's
 * outputs equal predict at every step (K = 2, a different mean and std per output), and a model
 * that differs only in its target normalisation has another fingerprint.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TargetNormalisedServingTest {
    static final float[] TARGET_MEAN = {100f, -3f};   // (K)
    static final float[] TARGET_STD = {20f, 0.5f};    // (K)
    static final int K = 2;

    static SequenceModel regressor(CellType cell, int headHidden, float[] targetStd, Kernels kernels) {
        return SequenceModel.builder().features(WholeModels.FEATURES).normalise(new float[] {2f, -1f, 0.5f}, new float[] {3f, 0.5f, 1.5f})
                .regress(K).output(OutputMode.PER_STEP).normaliseTargets(TARGET_MEAN, targetStd).cell(cell).hidden(WholeModels.HIDDEN)
                .layers(2).headHidden(headHidden).seed(13).kernels(kernels).build();
    }

    /** The feature sequences of the serving tests with per-step targets (unread by predict). */
    static SequenceDataset data() {
        SequenceDataset classes = WholeModels.data(false, OutputMode.PER_STEP, 43);
        List<float[][]> inputs = new ArrayList<>(), targets = new ArrayList<>();
        for (int i = 0; i < classes.size(); i++) {
            inputs.add(classes.inputs(i));
            targets.add(new float[classes.length(i)][K]);
        }
        return SequenceDataset.ofStepTargets(inputs, targets);
    }

    /** Tolerance relative to 1 + |y|: the whole model's, times the largest std (z's rounding is scaled by it). */
    static double tolerance(int headHidden) {
        return WholeModels.tolerance(WholeModels.FEATURES, 2, headHidden) * TARGET_STD[0];
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "native"})
    void streamStepsAndBatchedStepsArePredictInTargetUnits(String kernelName) throws Exception {
        Kernels kernels = InferTesting.kernels(kernelName);
        SequenceDataset data = data();
        for (int headHidden : new int[] {0, 7}) {
            CellType cell = headHidden == 0 ? CellType.LSTM : CellType.GRU;
            try (SequenceModel model = regressor(cell, headHidden, TARGET_STD, kernels);
                 InferenceModel served = InferenceModel.of(model);
                 StreamState stream = served.newStream()) {
                float[][] predicted = model.predict(data);                     // (T_i * K) per sequence, in target units
                double tol = tolerance(headHidden);
                for (int i = 0; i < data.size(); i++) {
                    float[][] alone = WholeModels.stream(stream, data, i);     // (T_i, K)
                    for (int t = 0; t < alone.length; t++) {
                        float[] expected = Arrays.copyOfRange(predicted[i], t * K, (t + 1) * K);
                        assertTrue(Math.abs(expected[0] - TARGET_MEAN[0]) < 10 * TARGET_STD[0], "around the target mean: " + expected[0]);
                        assertClose(expected, alone[t], tol, kernelName + " K=" + headHidden + " stream " + i + " step " + t);
                    }
                }
                float[][][] batched = batched(served, data);
                for (int i = 0; i < data.size(); i++) {
                    for (int t = 0; t < data.length(i); t++) {
                        assertClose(Arrays.copyOfRange(predicted[i], t * K, (t + 1) * K), batched[i][t], tol,
                                kernelName + " K=" + headHidden + " batched stream " + i + " step " + t);
                    }
                }
            }
        }
    }

    /** Every stream's step t submitted before any stream's step t + 1, so batches hold several streams. */
    private static float[][][] batched(InferenceModel served, SequenceDataset data) throws Exception {
        int streams = data.size();
        float[][][] out = new float[streams][][];
        List<List<CompletableFuture<float[]>>> futures = new ArrayList<>();
        StreamState[] state = new StreamState[streams];
        try (StreamBatcher batcher = StreamBatcher.builder(served).maxBatch(streams).maxWait(Duration.ofMillis(2)).build()) {
            for (int i = 0; i < streams; i++) {
                state[i] = served.newStream();
                futures.add(new ArrayList<>());
            }
            for (int t = 0; t < data.maxLength(); t++) {
                for (int i = 0; i < streams; i++) {
                    if (t < data.length(i)) {
                        float[] x = data.inputs(i)[t];
                        futures.get(i).add(t == 0 ? batcher.submitAfterReset(state[i], x) : batcher.submit(state[i], x));
                    }
                }
            }
            for (int i = 0; i < streams; i++) {
                out[i] = new float[data.length(i)][];
                for (int t = 0; t < out[i].length; t++) {
                    out[i][t] = futures.get(i).get(t).get(30, TimeUnit.SECONDS);
                }
                state[i].close();
            }
            assertTrue(batcher.stepCount() > batcher.batchCount(), "some batch held several streams: "
                    + batcher.stepCount() + " steps in " + batcher.batchCount() + " batches");
        }
        return out;
    }

    @Test
    void targetNormalisationIsPartOfTheFingerprint() {
        Kernels kernels = InferTesting.kernels("java");
        try (SequenceModel a = regressor(CellType.GRU, 0, TARGET_STD, kernels);
             SequenceModel b = regressor(CellType.GRU, 0, new float[] {20f, 0.25f}, kernels);
             InferenceModel servedA = InferenceModel.of(a);
             InferenceModel servedB = InferenceModel.of(b)) {
            assertNotEquals(Arrays.toString(servedA.fingerprint()), Arrays.toString(servedB.fingerprint()));
            assertTrue(servedA.toString().contains("targets normalised"), servedA.toString());
        }
    }
}
