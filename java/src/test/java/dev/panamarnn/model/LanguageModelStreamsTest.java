package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.kernels.KernelsForTests;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corpus trained as parallel streams with truncated BPTT, as a character model is: the streams
 * are consecutive slices; sequences longer than a scoring window are scored in windows that give
 * what a stream stepping token by token gives; the step budget counts windows; and a checkpoint
 * written between two windows of a batch resumes bit for bit.
 */
class LanguageModelStreamsTest {
    private static final int V = 7;

    /** A corpus with structure to learn: each token mostly follows from the one before. */
    static int[] corpus(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] tokens = new int[n];
        for (int i = 1; i < n; i++) {
            tokens[i] = r.nextInt(4) == 0 ? r.nextInt(V) : (tokens[i - 1] * 3 + 1) % V;
        }
        return tokens;
    }

    static SequenceModel model(CellType cell) {
        return SequenceModel.builder().tokens(V, 5).languageModel().cell(cell).hidden(8).layers(2).seed(3)
                .kernels(KernelsForTests.java()).build();
    }

    @Test
    void streamsAreConsecutiveSlicesLabelledWithTheNextToken() {
        int[] tokens = corpus(103, 1);
        SequenceDataset data = SequenceDataset.languageModelStreams(tokens, V, 4);   // L = 102 / 4 = 25
        assertEquals(4, data.size());
        var batch = data.batches(4, false, false, 0).get(0);
        assertEquals(25, batch.steps());
        for (int b = 0; b < 4; b++) {
            int stream = batch.rows()[b];
            for (int t = 0; t < 25; t++) {
                assertEquals(tokens[stream * 25 + t], batch.tokens()[t * 4 + b]);
                assertEquals(tokens[stream * 25 + t + 1], batch.labels()[t * 4 + b]);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> SequenceDataset.languageModelStreams(new int[4], V, 4));
        assertThrows(IllegalArgumentException.class, () -> SequenceDataset.languageModelStreams(new int[] {0, V, 1}, V, 1));
    }

    @Test
    void longSequencesAreScoredInWindowsAsAStreamSeesThem() {
        int[] tokens = corpus(3 * 600 + 1, 2);
        SequenceDataset data = SequenceDataset.languageModelStreams(tokens, V, 3);   // T = 600 > Scoring.WINDOW
        assertTrue(600 > 2 * Scoring.WINDOW, "three windows, the last partial");
        for (CellType cell : new CellType[] {CellType.LSTM, CellType.GRU}) {
            try (SequenceModel model = model(cell); InferenceModel served = InferenceModel.of(model)) {
                float[][] logits = model.predict(data);
                double lossSum = 0;
                float[] step = new float[V];
                for (int r = 0; r < 3; r++) {
                    try (StreamState stream = served.newStream()) {
                        for (int t = 0; t < 600; t++) {
                            stream.step(tokens[r * 600 + t], step);
                            for (int v = 0; v < V; v++) {
                                assertEquals(step[v], logits[r][t * V + v], 2e-5, cell + " stream " + r + " step " + t);
                            }
                            lossSum += crossEntropy(step, tokens[r * 600 + t + 1]);
                        }
                    }
                }
                Metrics m = model.evaluate(data);
                assertEquals(1800, m.rows());
                assertEquals(lossSum / 1800, m.loss(), 1e-5, cell + " loss over the windows = the stream's mean cross-entropy");
            }
        }
    }

    private static double crossEntropy(float[] logits, int label) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return Math.log(sum) + max - logits[label];
    }

    @Test
    void theStepBudgetCountsWindows() {
        SequenceDataset data = SequenceDataset.languageModelStreams(corpus(401, 3), V, 4);   // 100 steps: 10 windows of 10
        try (SequenceModel model = model(CellType.LSTM); Trainer trainer = Trainer.builder(model).batchSize(4).truncatedBptt(10).build()) {
            assertEquals(3, trainer.fit(data, Budget.steps(3)).steps());
            assertEquals(10, trainer.fit(data, Budget.epochs(1)).steps(), "an epoch ends after the batch's ten windows, the three before included");
        }
    }

    @Test
    void aCheckpointBetweenWindowsResumesBitForBit(@TempDir Path dir) throws Exception {
        SequenceDataset data = SequenceDataset.languageModelStreams(corpus(401, 4), V, 4);
        float[] uninterrupted, resumed;
        try (SequenceModel model = model(CellType.LSTM); Trainer trainer = trainer(model)) {
            trainer.fit(data, Budget.steps(13));                     // epoch 1, three windows into its batch
            trainer.fit(data, Budget.steps(9));
            uninterrupted = model.parameters().all().toArray(ValueLayout.JAVA_FLOAT);
        }
        Path checkpoint = dir.resolve("lm.safetensors");
        try (SequenceModel model = model(CellType.LSTM); Trainer trainer = trainer(model)) {
            trainer.fit(data, Budget.steps(13));
            trainer.checkpoint(checkpoint);
        }
        try (SequenceModel model = SequenceModelFile.load(checkpoint, KernelsForTests.java()); Trainer trainer = trainer(model)) {
            trainer.resume(checkpoint);
            trainer.fit(data, Budget.steps(9));
            resumed = model.parameters().all().toArray(ValueLayout.JAVA_FLOAT);
        }
        assertArrayEquals(uninterrupted, resumed, "resumed between two windows, the run continues with the carried state");
        try (SequenceModel model = model(CellType.LSTM); Trainer trainer = trainer(model)) {
            trainer.fit(data, Budget.steps(9));                       // not resumed: another run
            assertTrue(!java.util.Arrays.equals(uninterrupted, model.parameters().all().toArray(ValueLayout.JAVA_FLOAT)));
        }
    }

    private static Trainer trainer(SequenceModel model) {
        return Trainer.builder(model).adam(1e-2).batchSize(4).truncatedBptt(10).seed(5).build();
    }
}
