package dev.panamarnn.seq2seq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.kernels.KernelsForTests;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Greedy decoding and beam search: the decoder's steps equal the training pass; beam 1 = greedy; beam beats greedy where it should. */
class DecodingTest {
    static final Seq2SeqConfig CONFIG = new Seq2SeqConfig(CellType.LSTM, 6, 7, 4, 5, 2, true, 1, 2, 3);

    @Test
    void decoderStepsEqualTheTeacherForcedPass() {
        int[] source = {3, 0, 5, 2};
        int[] target = {4, 6, 3, 2};
        try (Seq2Seq model = Seq2Seq.create(CONFIG, KernelsForTests.java());
             Seq2SeqPass pass = model.pass(6, 4, 1);
             Seq2SeqDecoder decoder = model.decoder(6, 3)) {
            pass.load(new int[][] {source}, new int[][] {target});
            pass.loss();
            float[] logits = pass.logits().toArray();
            float[] weights = pass.attentionWeights().toArray();
            decoder.encode(source);
            decoder.reset();
            int v = CONFIG.targetVocab();
            float[] logProbs = new float[3 * v];
            double worst = 0;
            for (int t = 0; t < target.length; t++) {
                int token = t == 0 ? CONFIG.bos() : target[t - 1];
                decoder.step(new int[] {0, 1, 2}, new int[] {token, token, token}, logProbs);
                double max = Double.NEGATIVE_INFINITY, z = 0;
                for (int k = 0; k < v; k++) {
                    max = Math.max(max, logits[t * v + k]);
                }
                for (int k = 0; k < v; k++) {
                    z += Math.exp(logits[t * v + k] - max);
                }
                for (int r = 0; r < 3; r++) {
                    for (int k = 0; k < v; k++) {
                        worst = Math.max(worst, Math.abs(logProbs[r * v + k] - (logits[t * v + k] - max - Math.log(z))));
                    }
                    for (int s = 0; s < 6; s++) {
                        worst = Math.max(worst, Math.abs(decoder.attention(r)[s] - weights[t * 6 + s]));
                    }
                }
            }
            assertTrue(worst < 1e-5, "decoder step differs from the pass by " + worst);
        }
    }

    @Test
    void beamOfWidthOneIsGreedy() {
        Random random = new Random(5);
        try (Seq2Seq model = Seq2Seq.create(CONFIG, KernelsForTests.java());
             Seq2SeqDecoder one = model.decoder(6, 1)) {
            for (int n = 0; n < 20; n++) {
                int[] source = random.ints(1 + random.nextInt(6), 0, 6).toArray();
                Translation greedy = one.greedy(source, 8);
                Translation beam = one.beam(source, 8, 0);
                assertArrayEquals(greedy.tokens(), beam.tokens(), "source " + Arrays.toString(source));
                assertEquals(greedy.logProb(), beam.logProb(), 1e-9);
                assertEquals(greedy.ended(), beam.ended());
                assertEquals(greedy.tokens().length, greedy.attention().length - (greedy.ended() ? 1 : 0));
            }
        }
    }

    @Test
    void beamScoresAtLeastGreedyOnARandomModel() {
        Random random = new Random(9);
        try (Seq2Seq model = Seq2Seq.create(CONFIG, KernelsForTests.java());
             Seq2SeqDecoder one = model.decoder(6, 1);
             Seq2SeqDecoder four = model.decoder(6, 4)) {
            int better = 0;
            for (int n = 0; n < 20; n++) {
                int[] source = random.ints(1 + random.nextInt(6), 0, 6).toArray();
                Translation greedy = one.greedy(source, 6);
                Translation beam = four.beam(source, 6, 0);
                if (greedy.ended() && beam.ended()) {
                    assertTrue(beam.logProb() >= greedy.logProb() - 1e-6, "beam " + beam + " below greedy " + greedy);
                }
                better += beam.logProb() > greedy.logProb() + 1e-6 ? 1 : 0;
            }
            System.out.println("seq2seq beam 4 scored above greedy on " + better + " of 20 random sources");
        }
    }

    /**
     * A constructed case: the first token is a (0.6) or b (0.4); after a every continuation is
     * unlikely (0.3 at best), after b the end token has 0.9. Greedy takes a: 0.6 * 0.3 * ... ; beam
     * (width 2) keeps b and finds "b eos" (0.36), the more probable sequence.
     */
    @Test
    void beamFindsTheBetterSequenceGreedyMisses() {
        int a = 3, b = 4, eos = 2, bos = 1, vocab = 5;
        StepModel table = new TableModel(2, vocab, prefix -> {
            double[] p = new double[vocab];
            Arrays.fill(p, 1e-3);
            if (prefix.isEmpty()) {
                p[a] = 0.6;
                p[b] = 0.4;
            } else if (prefix.get(0) == a) {
                p[eos] = 0.3;
                p[a] = 0.3;
                p[b] = 0.3;
            } else {
                p[eos] = 0.9;
            }
            return p;
        });
        Translation greedy = Decoding.greedy(new TableModel(1, vocab, ((TableModel) table).probs), bos, eos, 5);
        Translation beam = Decoding.beam(table, bos, eos, 5, 0);
        assertArrayEquals(new int[] {a}, greedy.tokens());
        assertArrayEquals(new int[] {b}, beam.tokens());
        assertTrue(beam.logProb() > greedy.logProb(), beam + " vs " + greedy);
        assertEquals(Math.log(0.4) + Math.log(0.9), beam.logProb(), 1e-3);
    }

    @Test
    void lengthNormalisationPrefersTheLongerSequenceWhenItsMeanIsHigher() {
        // "eos" at once: 0.5. "a a a eos": 0.45 * 0.99^3 ~ 0.437 in total, but 4 tokens: mean log-prob higher
        int a = 3, eos = 2, vocab = 4;
        TableModel table = new TableModel(2, vocab, prefix -> {
            double[] p = new double[vocab];
            Arrays.fill(p, 1e-4);
            if (prefix.isEmpty()) {
                p[eos] = 0.5;
                p[a] = 0.45;
            } else if (prefix.size() < 3) {
                p[a] = 0.99;
            } else {
                p[eos] = 0.99;
            }
            return p;
        });
        assertEquals(0, Decoding.beam(table, 1, eos, 6, 0).tokens().length);
        assertArrayEquals(new int[] {a, a, a}, Decoding.beam(table, 1, eos, 6, 1).tokens());
        assertThrows(IllegalArgumentException.class, () -> Decoding.beam(table, 1, eos, 6, -1));
        assertThrows(IllegalArgumentException.class, () -> Decoding.greedy(table, 1, eos, 0));
    }

    /** A StepModel whose next-token probabilities are a function of each row's prefix. */
    static final class TableModel implements StepModel {
        final int rows, vocab;
        final java.util.function.Function<List<Integer>, double[]> probs;
        List<List<Integer>> prefixes = new ArrayList<>();
        boolean started;

        TableModel(int rows, int vocab, java.util.function.Function<List<Integer>, double[]> probs) {
            this.rows = rows;
            this.vocab = vocab;
            this.probs = probs;
        }

        @Override
        public int vocab() {
            return vocab;
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public void reset() {
            prefixes = new ArrayList<>();
            for (int r = 0; r < rows; r++) {
                prefixes.add(new ArrayList<>());
            }
            started = false;
        }

        @Override
        public void step(int[] parents, int[] tokens, float[] logProbs) {
            List<List<Integer>> next = new ArrayList<>();
            for (int r = 0; r < rows; r++) {
                List<Integer> p = new ArrayList<>(prefixes.get(parents[r]));
                if (started) {
                    p.add(tokens[r]);
                }
                next.add(p);
            }
            started = true;
            prefixes = next;
            for (int r = 0; r < rows; r++) {
                double[] p = probs.apply(prefixes.get(r));
                for (int v = 0; v < vocab; v++) {
                    logProbs[r * vocab + v] = (float) Math.log(p[v]);
                }
            }
        }
    }
}
