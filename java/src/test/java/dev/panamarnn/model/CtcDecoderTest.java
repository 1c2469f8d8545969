package dev.panamarnn.model;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Greedy decoding on hand-made paths; prefix beam search against the exhaustive answer (every one
 * of the C^T alignments enumerated, collapsed and summed per labelling) on small random problems.
 */
class CtcDecoderTest {
    @Test
    void greedyCollapsesRepeatsAndDropsBlanks() {
        // best path over classes {blank=0, 1, 2}: 1 1 0 1 2 2 0 -> labels 1 1 2
        int[] path = {1, 1, 0, 1, 2, 2, 0};
        float[] logits = new float[path.length * 3];
        for (int t = 0; t < path.length; t++) {
            logits[t * 3 + path[t]] = 5f;
        }
        assertArrayEquals(new int[] {1, 1, 2}, CtcDecoder.greedy(logits, 0, path.length, 3, 0).labels());
    }

    @Test
    void beamSearchFindsTheMostProbableLabellingExhaustively() {
        SplittableRandom random = new SplittableRandom(21);
        int steps = 6, classes = 3;
        for (int trial = 0; trial < 30; trial++) {
            float[] logits = new float[steps * classes];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) (random.nextGaussian() * 1.2);
            }
            int blank = trial % classes;
            Map<List<Integer>, Double> exact = exhaustive(logits, steps, classes, blank);
            var best = exact.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
            CtcDecoder.Result beam = CtcDecoder.beamSearch(logits, 0, steps, classes, blank, 64);
            assertEquals(best.getKey(), Arrays.stream(beam.labels()).boxed().toList(), "trial " + trial);
            assertEquals(Math.log(best.getValue()), beam.logProbability(), 1e-9, "trial " + trial);
        }
    }

    @Test
    void refusesNonFiniteLogitsAndBadShapes() {
        assertThrows(IllegalArgumentException.class, () -> CtcDecoder.greedy(new float[] {0, Float.NaN}, 0, 1, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> CtcDecoder.greedy(new float[4], 0, 3, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> CtcDecoder.beamSearch(new float[4], 0, 2, 2, 0, 0));
    }

    /** p(labelling) = sum over the alignments that collapse to it of prod_t softmax_t(a_t). */
    private static Map<List<Integer>, Double> exhaustive(float[] logits, int steps, int classes, int blank) {
        double[] probs = new double[logits.length];
        for (int t = 0; t < steps; t++) {
            double z = 0;
            for (int c = 0; c < classes; c++) {
                z += Math.exp(logits[t * classes + c]);
            }
            for (int c = 0; c < classes; c++) {
                probs[t * classes + c] = Math.exp(logits[t * classes + c]) / z;
            }
        }
        Map<List<Integer>, Double> result = new HashMap<>();
        int alignments = (int) Math.pow(classes, steps);
        for (int a = 0; a < alignments; a++) {
            double p = 1;
            int code = a, previous = -1;
            List<Integer> labels = new java.util.ArrayList<>();
            for (int t = 0; t < steps; t++) {
                int c = code % classes;
                code /= classes;
                p *= probs[t * classes + c];
                if (c != blank && c != previous) {
                    labels.add(c);
                }
                previous = c;
            }
            result.merge(labels, p, Double::sum);
        }
        return result;
    }
}
