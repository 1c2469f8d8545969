package dev.panamarnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.tensor.Slab;
import dev.panamarnn.testing.TestData;
import dev.panamarnn.train.OptimFixture;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * Embedding: forward is a gather of weight rows, backward a scatter-add (checked against central
 * finite differences of a double-precision loss, repeated ids included), N(0, 1) initialisation,
 * no allocation per call, and ids outside the vocabulary rejected before anything is written.
 */
class EmbeddingTest {
    static final int V = 7, E = 3;

    static Slab.Layout layout() {
        Slab.Layout.Builder b = Slab.Layout.builder();
        Embedding.addParameters(b, "embedding.", V, E);
        return b.build();
    }

    @Test
    void forwardGathersRowsForSegmentAndArrayIds() {
        try (Slab p = Slab.allocate("p", layout()); Slab g = Slab.allocate("g", layout()); Arena arena = Arena.ofConfined()) {
            Embedding emb = new Embedding(p, g, "embedding.", V, E, 5);
            float[] w = emb.weight().toArray();
            int[] ids = {3, 0, 6, 3};
            MemorySegment out = arena.allocate(ids.length * E * 4L), out2 = arena.allocate(ids.length * E * 4L);
            emb.forward(out, OptimFixture.intSegment(arena, ids), ids.length);
            emb.forward(out2, new int[] {9, 3, 0, 6, 3}, 1, ids.length);   // offset 1 into the array
            float[] got = TestData.array(out);
            for (int r = 0; r < ids.length; r++) {
                for (int j = 0; j < E; j++) {
                    assertEquals(w[ids[r] * E + j], got[r * E + j], "row " + r + " is weight[" + ids[r] + "]");
                }
            }
            assertArrayEquals(got, TestData.array(out2));
        }
    }

    @Test
    void backwardIsTheFiniteDifferenceWithRepeatedIds() {
        int[] ids = {2, 5, 2, 2, 0};
        float[] dOut = TestData.uniform(9, ids.length * E, 1);
        try (Slab p = Slab.allocate("p", layout()); Slab g = Slab.allocate("g", layout()); Arena arena = Arena.ofConfined()) {
            Embedding emb = new Embedding(p, g, "embedding.", V, E, 5);
            emb.backward(TestData.segment(arena, dOut), OptimFixture.intSegment(arena, ids), ids.length);
            float[] dw = emb.weightGradient().toArray();
            double[] w = new double[V * E];
            float[] wf = emb.weight().toArray();
            for (int i = 0; i < w.length; i++) {
                w[i] = wf[i];
            }
            // loss = sum_r sum_j dOut[r, j] * weight[ids[r], j]
            java.util.function.DoubleSupplier loss = () -> {
                double s = 0;
                for (int r = 0; r < ids.length; r++) {
                    for (int j = 0; j < E; j++) {
                        s += dOut[r * E + j] * w[ids[r] * E + j];
                    }
                }
                return s;
            };
            for (int i = 0; i < w.length; i++) {
                double saved = w[i], h = 1e-3;
                w[i] = saved + h;
                double plus = loss.getAsDouble();
                w[i] = saved - h;
                double minus = loss.getAsDouble();
                w[i] = saved;
                assertEquals((plus - minus) / (2 * h), dw[i], 1e-6, "dWeight[" + i / E + ", " + i % E + "]");
            }
            assertEquals(0f, dw[E], "a token not in the batch gets no gradient");
            // the int[] form adds the same again
            emb.backward(TestData.segment(arena, dOut), ids, 0, ids.length);
            float[] twice = emb.weightGradient().toArray();
            for (int i = 0; i < dw.length; i++) {
                assertEquals(2 * dw[i], twice[i], 1e-6);
            }
        }
    }

    @Test
    void initialisationIsStandardNormalAndSeeded() {
        try (Slab p = Slab.allocate("p", Slab.Layout.builder().add("e.weight", 100, 100).build());
             Slab g = Slab.allocate("g", Slab.Layout.builder().add("e.weight", 100, 100).build())) {
            Embedding emb = new Embedding(p, g, "e.", 100, 100, 1);
            double sum = 0, sq = 0;
            for (float v : emb.weight().toArray()) {
                sum += v;
                sq += v * v;
            }
            double mean = sum / 10_000, std = Math.sqrt(sq / 10_000 - mean * mean);
            assertEquals(0, mean, 0.04, "N(0, 1) mean (4 standard errors)");
            assertEquals(1, std, 0.03, "N(0, 1) standard deviation");
            float[] first = emb.weight().toArray();
            emb.initialise(1);
            assertArrayEquals(first, emb.weight().toArray(), "seeded");
        }
    }

    @Test
    void idsOutsideTheVocabularyAreRejectedBeforeWriting() {
        try (Slab p = Slab.allocate("p", layout()); Slab g = Slab.allocate("g", layout()); Arena arena = Arena.ofConfined()) {
            Embedding emb = new Embedding(p, g, "embedding.", V, E, 5);
            MemorySegment out = arena.allocate(3 * E * 4L);
            out.fill((byte) 0x11);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> emb.forward(out, OptimFixture.intSegment(arena, new int[] {1, 2, V}), 3));
            assertTrue(e.getMessage().contains("token id 7 at position 2 is outside the vocabulary [0, 7) of embedding 'embedding.weight'"),
                    e.getMessage());
            assertEquals(0x11111111, out.get(ValueLayout.JAVA_INT, 0), "nothing written");
            e = assertThrows(IllegalArgumentException.class, () -> emb.backward(out, new int[] {-1, 0, 0}, 0, 3));
            assertTrue(e.getMessage().contains("token id -1 at position 0"), e.getMessage());
            assertEquals(0f, emb.weightGradient().get(0), "no gradient added");
            e = assertThrows(IllegalArgumentException.class, () -> emb.forward(out, new int[] {1, 2}, 1, 3));
            assertTrue(e.getMessage().contains("ids[1 .. 4) is outside an array of 2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> emb.forward(out, new int[] {1, 2, 3, 4}, 0, 4));
            assertTrue(e.getMessage().contains("out (N, E) needs 12 elements"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new Embedding(p, g, "embedding.", V + 1, E, 0));
            assertTrue(e.getMessage().contains("must have shape [8, 3], got [7, 3]"), e.getMessage());
        }
    }

    @Test
    void forwardAndBackwardAllocateNothing() {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int rows = 256;
        try (Slab p = Slab.allocate("p", layout()); Slab g = Slab.allocate("g", layout()); Arena arena = Arena.ofConfined()) {
            Embedding emb = new Embedding(p, g, "embedding.", V, E, 5);
            int[] ids = new int[rows];
            for (int i = 0; i < rows; i++) {
                ids[i] = i % V;
            }
            MemorySegment idSeg = OptimFixture.intSegment(arena, ids), out = arena.allocate(rows * E * 4L);
            long thread = Thread.currentThread().threadId();
            long perCall = Long.MAX_VALUE;
            for (int round = 0; round < 5 && perCall > 0; round++) {
                long before = bean.getThreadAllocatedBytes(thread);
                for (int i = 0; i < 2000; i++) {
                    emb.forward(out, idSeg, rows);
                    emb.backward(out, ids, 0, rows);
                }
                perCall = (bean.getThreadAllocatedBytes(thread) - before) / 2000;
            }
            assertTrue(perCall < 16, "forward + backward allocate " + perCall + " bytes per call");
        }
    }
}
