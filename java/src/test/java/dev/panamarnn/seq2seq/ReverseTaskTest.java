package dev.panamarnn.seq2seq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.train.Adam;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The model learns to reverse token sequences through its training step, and decodes held-out ones. */
class ReverseTaskTest {
    static final int SYMBOLS = 8, FIRST = 3, BOS = 1, EOS = 2;   // tokens 3..10; 0 pad, 1 bos, 2 eos

    @Test
    void learnsToReverseSequences() {
        Seq2SeqConfig config = new Seq2SeqConfig(CellType.GRU, FIRST + SYMBOLS, FIRST + SYMBOLS, 16, 24, 1, true, BOS, EOS, 1);
        Random random = new Random(3);
        int batch = 32, maxLen = 6;
        long start = System.nanoTime();
        double loss = Double.NaN;
        try (Seq2Seq model = Seq2Seq.create(config);
             Seq2SeqPass pass = model.pass(maxLen, maxLen + 1, batch);
             Adam adam = new Adam(model.kernels(), model.parameters(), model.gradients(), 0.01);
             Seq2SeqDecoder decoder = model.decoder(maxLen, 1)) {
            int[][] sources = new int[batch][], targets = new int[batch][];
            for (int step = 0; step < 600; step++) {
                for (int b = 0; b < batch; b++) {
                    sources[b] = random.ints(2 + random.nextInt(maxLen - 1), FIRST, FIRST + SYMBOLS).toArray();
                    targets[b] = reversed(sources[b]);
                }
                loss = pass.trainStep(sources, targets, adam, 5);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Random heldOut = new Random(77);
            int exact = 0, n = 200;
            for (int i = 0; i < n; i++) {
                int[] source = heldOut.ints(2 + heldOut.nextInt(maxLen - 1), FIRST, FIRST + SYMBOLS).toArray();
                int[] expected = Arrays.copyOf(reversed(source), source.length);
                Translation t = decoder.greedy(source, maxLen + 2);
                exact += Arrays.equals(t.tokens(), expected) && t.ended() ? 1 : 0;
            }
            System.out.printf("seq2seq reverse task: final loss %.4f, %d/%d held-out sequences exact (greedy), %.1f s on %s%n",
                    loss, exact, n, seconds, model.kernels().name());
            assertTrue(exact >= 0.9 * n, exact + " of " + n + " exact");
        }
    }

    @Test
    void badInputIsAClearException() {
        Seq2SeqConfig config = new Seq2SeqConfig(CellType.LSTM, 5, 5, 3, 3, 1, false, 1, 2, 1);
        try (Seq2Seq model = Seq2Seq.create(config, KernelSelection.java());
             Seq2SeqPass pass = model.pass(3, 3, 1);
             Seq2SeqDecoder decoder = model.decoder(3, 1)) {
            assertThrows(IllegalArgumentException.class, () -> pass.load(new int[][] {{1, 2, 3, 4}}, new int[][] {{2}}));
            assertThrows(IllegalArgumentException.class, () -> pass.load(new int[][] {{}}, new int[][] {{2}}));
            assertThrows(IllegalArgumentException.class, () -> pass.load(new int[][] {{1}}, new int[][] {{5}}));
            assertThrows(IllegalArgumentException.class, () -> pass.load(new int[][] {{1}, {1}}, new int[][] {{2}, {2}}));
            assertThrows(IllegalStateException.class, pass::loss);
            assertThrows(IllegalArgumentException.class, () -> decoder.encode(new int[] {9}));
            assertThrows(IllegalArgumentException.class, () -> new Seq2SeqConfig(CellType.GRU, 5, 5, 3, 3, 1, false, 5, 2, 1));
            assertThrows(IllegalArgumentException.class, () -> model.pass(0, 3, 1));
        }
        assertThrows(IllegalStateException.class, () -> {
            Seq2Seq closed = Seq2Seq.create(config, KernelSelection.java());
            closed.close();
            closed.pass(3, 3, 1);
        });
        assertArrayEquals(new int[] {3, 2, 1, EOS}, reversed(new int[] {1, 2, 3}));
    }

    static int[] reversed(int[] source) {
        int[] out = new int[source.length + 1];
        for (int i = 0; i < source.length; i++) {
            out[i] = source[source.length - 1 - i];
        }
        out[source.length] = EOS;
        return out;
    }
}
