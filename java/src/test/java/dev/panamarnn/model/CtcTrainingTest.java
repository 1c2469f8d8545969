package dev.panamarnn.model;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A CTC model trained through the Trainer learns an unaligned transduction: each input is a
 * sequence of symbols from {1, 2, 3}, each held for 1 to 3 steps with silent steps between some of
 * them, as noisy one-hot features; the label is the symbol sequence. Nothing in the data says where
 * a symbol starts or how long it lasts: only CTC's sum over alignments can learn it.
 */
class CtcTrainingTest {
    static final int CLASSES = 4;   // blank + 3 symbols

    @TempDir
    Path dir;

    @Test
    void learnsToTranscribeAndSavesAndLoadsTheSameDecoding() throws Exception {
        SequenceDataset train = data(240, 1), test = data(60, 2);
        try (SequenceModel model = SequenceModel.forData(train).cell(CellType.GRU).hidden(24).bidirectional(true).seed(3).build();
             Trainer trainer = Trainer.builder(model).batchSize(16).adam(1e-2).seed(4).build()) {
            double before = model.evaluate(test).labelErrorRate();
            trainer.fit(train, Budget.epochs(25));
            Metrics after = model.evaluate(test);
            assertEquals(Task.CTC, after.task());
            assertTrue(before > 0.5, "untrained label error rate " + before);
            assertTrue(after.labelErrorRate() < 0.1, "trained: " + after);
            model.save(dir.resolve("ctc.safetensors"));
            try (SequenceModel loaded = SequenceModel.load(dir.resolve("ctc.safetensors"))) {
                assertEquals(Task.CTC, loaded.spec().task());
                assertEquals(after.labelErrorRate(), loaded.evaluate(test).labelErrorRate());
                float[] logits = loaded.predict(test)[0];
                int[] decoded = CtcDecoder.greedy(logits, 0, test.length(0), CLASSES, 0).labels();
                int[] beam = CtcDecoder.beamSearch(logits, 0, test.length(0), CLASSES, 0, 8).labels();
                assertArrayEquals(test.labelSequence(0), beam, "beam search on a trained model");
                assertTrue(EditDistance.between(decoded, test.labelSequence(0)) <= 1);
            }
        }
    }

    @Test
    void refusesTruncatedBpttAndLabelsThatDoNotFit() {
        SequenceDataset train = data(8, 5);
        try (SequenceModel model = SequenceModel.forData(train).hidden(4).build();
             Trainer trainer = Trainer.builder(model).truncatedBptt(4).build()) {
            var e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(train, Budget.steps(1)));
            assertTrue(e.getMessage().contains("without truncated BPTT"), e.getMessage());
        }
        var tooLong = assertThrows(IllegalArgumentException.class,
                () -> SequenceDataset.ofLabelSequences(List.<float[][]>of(new float[3][2]), List.of(new int[] {1, 1, 2}), 3));
        assertTrue(tooLong.getMessage().contains("needs at least 4 steps, the sequence has 3"), tooLong.getMessage());
        var blank = assertThrows(IllegalArgumentException.class,
                () -> SequenceDataset.ofLabelSequences(List.<float[][]>of(new float[3][2]), List.of(new int[] {0}), 3));
        assertTrue(blank.getMessage().contains("class 0 is the CTC blank"), blank.getMessage());
    }

    /** n sequences of 2 to 5 symbols; features (T, 4): a noisy one-hot of the held symbol, index 0 for silence. */
    static SequenceDataset data(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<float[][]> inputs = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int symbols = 2 + random.nextInt(4);
            int[] label = new int[symbols];
            List<Integer> frames = new ArrayList<>();
            for (int s = 0; s < symbols; s++) {
                label[s] = 1 + random.nextInt(3);
                boolean repeat = s > 0 && label[s] == label[s - 1];
                if (repeat || random.nextInt(3) == 0) {
                    frames.add(0);                                   // silence (always between a repeat)
                }
                for (int k = 1 + random.nextInt(3); k > 0; k--) {
                    frames.add(label[s]);
                }
            }
            float[][] x = new float[frames.size()][4];
            for (int t = 0; t < x.length; t++) {
                for (int j = 0; j < 4; j++) {
                    x[t][j] = (float) (random.nextGaussian() * 0.2) + (j == frames.get(t) ? 1f : 0f);
                }
            }
            inputs.add(x);
            labels.add(label);
        }
        return SequenceDataset.ofLabelSequences(inputs, labels, CLASSES);
    }
}
