package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.train.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Bits per character and the unigram baseline against values worked out by hand. */
class TextMetricsTest {
    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    @Test
    void uniformPredictionsOverVSymbolsCostLog2VBits() {
        for (int v : new int[] {2, 3, 73, 256}) {
            double[] uniform = new double[v];
            Arrays.fill(uniform, 1.0 / v);
            int[] targets = new SplittableRandom(v).ints(50, 0, v).toArray();
            double[][] rows = new double[targets.length][];
            Arrays.fill(rows, uniform);
            assertEquals(log2(v), TextMetrics.bitsPerCharacter(rows, targets), 1e-12, "V = " + v);
        }
    }

    @Test
    void certainAndRightCostsZeroBitsCertainAndHalfRightCostsHalfABitPerHalf() {
        int[] targets = {0, 2, 1, 2};
        double[][] certain = new double[4][3];
        for (int n = 0; n < 4; n++) {
            certain[n][targets[n]] = 1;
        }
        assertEquals(0.0, TextMetrics.bitsPerCharacter(certain, targets), 0.0);
        // 1/2 on the right character in every row: 1 bit each
        double[][] half = {{0.5, 0.5, 0}, {0.25, 0.25, 0.5}, {0, 0.5, 0.5}, {0.5, 0, 0.5}};
        assertEquals(1.0, TextMetrics.bitsPerCharacter(half, targets), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> TextMetrics.bitsPerCharacter(half, new int[] {0}));
    }

    /** The trainer's number is the library's softmax cross-entropy (nats) through {@link TextMetrics#bits}. */
    @Test
    void theLibrarysCrossEntropyInBitsIsLog2VForEqualLogitsAndZeroForACertainRightOne() {
        int v = 73, rows = 5;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment logits = arena.allocate((long) rows * v * Float.BYTES, 64);      // (N, V) all 0: uniform
            MemorySegment targets = arena.allocate((long) rows * Integer.BYTES, 64);       // (N)
            for (int n = 0; n < rows; n++) {
                targets.setAtIndex(ValueLayout.JAVA_INT, n, (7 * n) % v);
            }
            double nats = SoftmaxCrossEntropy.forward(KernelSelection.selected(), logits, targets, null, rows, v);
            assertEquals(log2(v), TextMetrics.bits(nats), 1e-5);
            for (int n = 0; n < rows; n++) {                                               // +60 on the target: p = 1 - 72 e^-60
                logits.setAtIndex(ValueLayout.JAVA_FLOAT, (long) n * v + (7 * n) % v, 60f);
            }
            nats = SoftmaxCrossEntropy.forward(KernelSelection.selected(), logits, targets, null, rows, v);
            assertEquals(0.0, TextMetrics.bits(nats), 1e-6);
        }
    }

    @Test
    void unigramCountsTheTrainingRangeOnlyWithAddOneSmoothing() {
        int[] tokens = {0, 0, 0, 1, /* held out: */ 2, 2};
        double[] p = TextMetrics.unigram(tokens, 0, 4, 3);
        // counts 3, 1, 0 over n = 4, plus one each over V = 3: 4/7, 2/7, 1/7
        assertEquals(4 / 7.0, p[0], 1e-15);
        assertEquals(2 / 7.0, p[1], 1e-15);
        assertEquals(1 / 7.0, p[2], 1e-15);
        // the held-out characters are all '2', unseen in training: log2 7 bits each
        assertEquals(log2(7), TextMetrics.unigramBitsPerCharacter(p, tokens, new int[] {4, 5}), 1e-12);
        // on the training characters themselves: the cross-entropy 3/4 log2(7/4) + 1/4 log2(7/2)
        assertEquals(0.75 * log2(7 / 4.0) + 0.25 * log2(7 / 2.0),
                TextMetrics.unigramBitsPerCharacter(p, tokens, new int[] {0, 1, 2, 3}), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> TextMetrics.unigram(tokens, 3, 3, 3));
    }

    @Test
    void entropyOfUniformIsLog2VAndOfACertainOutcomeZero() {
        double[] uniform = new double[8];
        Arrays.fill(uniform, 0.125);
        assertEquals(3.0, TextMetrics.entropyBits(uniform), 1e-12);
        assertEquals(0.0, TextMetrics.entropyBits(new double[] {0, 1, 0}), 0.0);
    }
}
