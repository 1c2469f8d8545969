package dev.panamarnn.infer;

import static dev.panamarnn.infer.InferTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A whole model through the batcher, token ids, snapshots and fingerprints: batched steps equal
 * single-stream steps whichever streams shared a batch; a bad token id is refused before anything
 * changes; a snapshot moves between copies of one model and is refused by a model that differs only
 * in its embedding, normalisation or head.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WholeModelServingTest {

    @ParameterizedTest
    @ValueSource(strings = {"java", "native"})
    void batchedStepsEqualSingleStreamSteps(String kernelName) throws Exception {
        Kernels kernels = InferTesting.kernels(kernelName);
        for (boolean tokens : new boolean[] {false, true}) {
            SequenceDataset data = WholeModels.data(tokens, OutputMode.PER_STEP, 41);
            try (SequenceModel model = WholeModels.model(tokens, CellType.LSTM, 2, 7, OutputMode.PER_STEP, 5, kernels);
                 InferenceModel served = InferenceModel.of(model)) {
                int streams = data.size();
                float[][][] expected = new float[streams][][];
                try (StreamState alone = served.newStream()) {
                    for (int i = 0; i < streams; i++) {
                        expected[i] = WholeModels.stream(alone, data, i);
                    }
                }
                double tol = WholeModels.tolerance(served.inputSize(), 2, 7);
                for (int maxBatch : new int[] {1, 2, 64}) {
                    float[][][] actual = batched(served, data, maxBatch, new SplittableRandom(maxBatch));
                    for (int i = 0; i < streams; i++) {
                        for (int t = 0; t < expected[i].length; t++) {
                            assertClose(expected[i][t], actual[i][t], tol, (tokens ? "tokens" : "features") + " maxBatch " + maxBatch
                                    + " stream " + i + " step " + t);
                        }
                    }
                }
            }
        }
    }

    /**
     * Every stream's steps submitted in a random interleaving, with random waits (so batches mix
     * streams differently), futures and callbacks mixed; the first step of each stream after a reset.
     */
    private static float[][][] batched(InferenceModel served, SequenceDataset data, int maxBatch, SplittableRandom random) throws Exception {
        int streams = data.size();
        float[][][] out = new float[streams][][];
        List<List<CompletableFuture<float[]>>> futures = new ArrayList<>();
        StreamState[] state = new StreamState[streams];
        int[] next = new int[streams];
        int remaining = 0;
        try (StreamBatcher batcher = StreamBatcher.builder(served).maxBatch(maxBatch).maxWait(Duration.ofNanos(100_000)).build()) {
            for (int i = 0; i < streams; i++) {
                state[i] = served.newStream();
                step(state[i], data, i, 1, new float[served.outputSize()]);                // some state, which the first submit resets
                out[i] = new float[data.length(i)][];
                futures.add(new ArrayList<>());
                remaining += data.length(i);
            }
            while (remaining > 0) {
                int i = random.nextInt(streams);
                if (next[i] == data.length(i)) {
                    continue;
                }
                int t = next[i]++;
                remaining--;
                boolean reset = t == 0;
                CompletableFuture<float[]> f;
                if (random.nextBoolean()) {
                    f = new CompletableFuture<>();
                    CompletableFuture<float[]> done = f;
                    StepCallback callback = (y, failure) -> {
                        if (failure != null) {
                            done.completeExceptionally(failure);
                        } else {
                            done.complete(y);
                        }
                    };
                    float[] y = new float[served.outputSize()];
                    if (data.tokens()) {
                        int id = data.tokenIds(i)[t];
                        if (reset) {
                            batcher.submitAfterReset(state[i], id, y, callback);
                        } else {
                            batcher.submit(state[i], id, y, callback);
                        }
                    } else if (reset) {
                        batcher.submitAfterReset(state[i], data.inputs(i)[t], y, callback);
                    } else {
                        batcher.submit(state[i], data.inputs(i)[t], y, callback);
                    }
                } else if (data.tokens()) {
                    int id = data.tokenIds(i)[t];
                    f = reset ? batcher.submitAfterReset(state[i], id) : batcher.submit(state[i], id);
                } else {
                    float[] x = data.inputs(i)[t];
                    f = reset ? batcher.submitAfterReset(state[i], x) : batcher.submit(state[i], x);
                }
                futures.get(i).add(f);
                if (random.nextInt(4) == 0) {
                    f.get(30, TimeUnit.SECONDS);
                }
            }
            for (int i = 0; i < streams; i++) {
                for (int t = 0; t < futures.get(i).size(); t++) {
                    out[i][t] = futures.get(i).get(t).get(30, TimeUnit.SECONDS);
                }
                state[i].close();
            }
            if (maxBatch > 1) {          // else the head's GEMM over a batch's rows never ran
                assertTrue(batcher.stepCount() > batcher.batchCount(), "some batch held several streams: "
                        + batcher.stepCount() + " steps in " + batcher.batchCount() + " batches");
            }
        }
        return out;
    }

    @Test
    void aBadTokenIdIsRefusedBeforeAnythingChanges() throws Exception {
        try (SequenceModel model = WholeModels.model(true, CellType.GRU, 2, 0, OutputMode.PER_STEP, 6, InferTesting.kernels("native"));
             InferenceModel served = InferenceModel.of(model);
             StreamState stream = served.newStream();
             StreamBatcher batcher = StreamBatcher.builder(served).build()) {
            assertTrue(served.readsTokens());
            assertEquals(WholeModels.VOCABULARY, served.vocabularySize());
            float[] y = new float[WholeModels.OUTPUTS];
            stream.step(3, y);
            byte[] before = stream.snapshot();
            for (int bad : new int[] {-1, WholeModels.VOCABULARY, Integer.MAX_VALUE}) {
                for (Runnable call : List.<Runnable>of(() -> stream.step(bad, y), () -> stream.step(bad),
                        () -> stream.step(bad, java.lang.foreign.MemorySegment.ofArray(new float[WholeModels.OUTPUTS])),
                        () -> batcher.submit(stream, bad), () -> batcher.submitAfterReset(stream, bad, y, (r, f) -> { }))) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
                    assertTrue(e.getMessage().contains("token id " + bad) && e.getMessage().contains("V = " + WholeModels.VOCABULARY),
                            e.getMessage());
                }
            }
            assertArrayEquals(before, stream.snapshot(), "state unchanged");
            assertEquals(0, batcher.pending(), "nothing queued");
            IllegalArgumentException floats = assertThrows(IllegalArgumentException.class, () -> stream.step(new float[4], y));
            assertTrue(floats.getMessage().contains("token ids"), floats.getMessage());
            assertThrows(IllegalArgumentException.class, () -> batcher.submit(stream, new float[4]));
            assertThrows(IllegalArgumentException.class, () -> stream.step(3, new float[WholeModels.OUTPUTS + 1]));
        }
        try (SequenceModel model = WholeModels.model(false, CellType.GRU, 1, 0, OutputMode.SEQUENCE, 6, InferTesting.kernels("java"));
             InferenceModel served = InferenceModel.of(model);
             StreamState stream = served.newStream()) {
            assertFalse(served.readsTokens());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> stream.step(0, new float[WholeModels.OUTPUTS]));
            assertTrue(e.getMessage().contains("3 floats per event"), e.getMessage());
        }
    }

    @Test
    void aBidirectionalModelIsRefused() {
        try (SequenceModel model = SequenceModel.builder().features(2).classify(3).bidirectional(true).hidden(4)
                .kernels(InferTesting.kernels("java")).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(model));
            assertTrue(e.getMessage().contains("unidirectional"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokens", "features"})
    void snapshotsMoveBetweenCopiesAndTheFingerprintCoversEveryPart(String input) {
        boolean tokens = input.equals("tokens");
        Kernels kernels = InferTesting.kernels("native");
        SequenceDataset data = WholeModels.data(tokens, OutputMode.SEQUENCE, 51);
        try (SequenceModel model = WholeModels.model(tokens, CellType.LSTM, 2, 7, OutputMode.SEQUENCE, 8, kernels);
             InferenceModel a = InferenceModel.of(model);
             InferenceModel b = InferenceModel.of(model);
             InferenceModel bare = InferenceModel.of(model.rnn());
             StreamState sa = a.newStream(); StreamState sb = b.newStream()) {
            assertEquals(a.fingerprintHex(), b.fingerprintHex());
            assertNotEquals(a.fingerprintHex(), bare.fingerprintHex(), "the stack alone is another model");
            assertEquals(model.rnn().config().hiddenSize(), bare.outputSize(), "a bare stack gives h_t");
            float[][] y = WholeModels.stream(sa, data, 1);
            byte[] saved = sa.snapshot();
            sb.restore(saved);
            float[] ya = new float[a.outputSize()], yb = new float[b.outputSize()];
            for (int t = 0; t < 3; t++) {
                step(sa, data, 0, t, ya);
                step(sb, data, 0, t, yb);
                assertArrayEquals(ya, yb, "step " + t + " after restore");
            }
            try (StreamState other = bare.newStream()) {
                assertRefused(other, saved);
            }
            // the same model with one part changed: the embedding, or the normalisation (same seed, same weights)
            if (tokens) {
                model.embedding().weight().set(5, model.embedding().weight().get(5) + 1e-3f);
            }
            try (SequenceModel renormalised = SequenceModel.builder().cell(CellType.LSTM).hidden(WholeModels.HIDDEN).layers(2)
                    .headHidden(7).classify(WholeModels.OUTPUTS).output(OutputMode.SEQUENCE).seed(8).kernels(kernels)
                    .features(WholeModels.FEATURES).normalise(new float[] {2f, -1f, 0.25f}, new float[] {3f, 0.5f, 1.5f}).build();
                 InferenceModel changedInput = InferenceModel.of(tokens ? model : renormalised);
                 InferenceModel renormalisedStack = InferenceModel.of(renormalised.rnn());
                 StreamState other = changedInput.newStream()) {
                if (!tokens) {
                    assertEquals(bare.fingerprintHex(), renormalisedStack.fingerprintHex(), "same seed: the same stack");
                }
                assertNotEquals(a.fingerprintHex(), changedInput.fingerprintHex(), "input stage changed");
                assertRefused(other, saved);
            }
            if (tokens) {
                model.embedding().weight().set(5, model.embedding().weight().get(5) - 1e-3f);
            }
            var headWeight = model.head().linears()[1].weight();
            headWeight.set(0, headWeight.get(0) + 1e-3f);
            try (InferenceModel changedHead = InferenceModel.of(model); StreamState other = changedHead.newStream()) {
                assertNotEquals(a.fingerprintHex(), changedHead.fingerprintHex(), "head changed");
                assertRefused(other, saved);
            }
        }
    }

    private static void step(StreamState s, SequenceDataset data, int i, int t, float[] y) {
        if (data.tokens()) {
            s.step(data.tokenIds(i)[t], y);
        } else {
            s.step(data.inputs(i)[t], y);
        }
    }

    private static void assertRefused(StreamState other, byte[] saved) {
        byte[] before = other.snapshot();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.restore(saved));
        assertTrue(e.getMessage().contains("another model"), e.getMessage());
        assertArrayEquals(before, other.snapshot());
    }
}
