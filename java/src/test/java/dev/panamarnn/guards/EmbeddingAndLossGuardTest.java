package dev.panamarnn.guards;

import static dev.panamarnn.guards.Guards.check;
import static dev.panamarnn.guards.Guards.expect;
import static dev.panamarnn.guards.Guards.ok;
import static dev.panamarnn.guards.KernelCases.floats;

import dev.panamarnn.layers.Embedding;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.train.MeanSquaredError;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The plain-Java layers and losses: Embedding (gather/scatter) and MeanSquaredError. */
class EmbeddingAndLossGuardTest {
    static Slab.Layout layout(int vocab, int dim) {
        Slab.Layout.Builder b = Slab.Layout.builder();
        Embedding.addParameters(b, "embedding.", vocab, dim);
        return b.build();
    }

    @Test
    void embeddingConstruction() {
        expect(IllegalArgumentException.class, () -> Embedding.addParameters(Slab.Layout.builder(), "e.", 0, 4), "vocab must be >= 1, got 0");
        try (Slab p = Slab.allocate("p", layout(5, 4)); Slab wrong = Slab.allocate("w", layout(4, 5))) {
            expect(IllegalArgumentException.class, () -> new Embedding(p, wrong, "embedding.", 5, 4, 0),
                    "'embedding.weight' in slab 'w' must have shape [5, 4], got [4, 5]");
            expect(IllegalArgumentException.class, () -> new Embedding(p, null, "embedding.", 5, 4, 0), "slab for 'embedding.weight' is null");
            expect(IllegalArgumentException.class, () -> new Embedding(p, p, "embedding.", 5, -4, 0), "dim must be >= 1, got -4");
        }
    }

    @Test
    void embeddingIdsAndBuffers() {
        try (Slab p = Slab.allocate("p", layout(5, 4)); Slab g = Slab.allocate("g", layout(5, 4)); Arena arena = Arena.ofConfined()) {
            Embedding e = new Embedding(p, g, "embedding.", 5, 4, 0);
            MemorySegment out = floats(arena, 12), ids = arena.allocate(4L * 3);
            ok(() -> e.forward(out, new int[] {0, 4, 2}, 0, 3));
            out.fill((byte) 0);
            expect(IllegalArgumentException.class, () -> e.forward(out, new int[] {0, 5, 2}, 0, 3),
                    "token id 5 at position 1 is outside the vocabulary [0, 5) of embedding 'embedding.weight'");
            check(java.util.Arrays.equals(out.toArray(ValueLayout.JAVA_FLOAT), new float[12]), "nothing written before the id check");
            expect(IllegalArgumentException.class, () -> e.forward(out, new int[] {-1}, 0, 1), "token id -1 at position 0");
            expect(IllegalArgumentException.class, () -> e.forward(out, new int[] {1, 2}, 1, 2), "ids[1 .. 3) is outside an array of 2");
            expect(IllegalArgumentException.class, () -> e.forward(out, new int[] {1, 2}, -1, 1), "ids[-1 .. 0) is outside an array of 2");
            expect(IllegalArgumentException.class, () -> e.forward(out, new int[] {1, 2}, Integer.MAX_VALUE, 2), "outside an array of 2");
            expect(IllegalArgumentException.class, () -> e.forward(out, (int[]) null, 0, 1), "ids is null");
            expect(IllegalArgumentException.class, () -> e.forward(out, new int[4], 0, 4), "out (N, E) needs 16 elements");
            expect(IllegalArgumentException.class, () -> e.forward(out.asReadOnly(), new int[3], 0, 3), "out (N, E)", "read-only");
            expect(IllegalArgumentException.class, () -> e.forward(out, ids, 4), "ids (N) int32 needs 4 elements");
            expect(IllegalArgumentException.class, () -> e.forward(out, ids, -4), "rows must be >= 0, got -4");
            ids.setAtIndex(ValueLayout.JAVA_INT, 2, 9);
            expect(IllegalArgumentException.class, () -> e.forward(out, ids, 3), "token id 9 at position 2");
            expect(IllegalArgumentException.class, () -> e.backward(out, ids, 3), "token id 9 at position 2");
            expect(IllegalArgumentException.class, () -> e.backward(out, new int[] {1, 1, 1, 1}, 0, 4), "dOut (N, E) needs 16 elements");
        }
    }

    @Test
    void embeddingAfterTheSlabsAreClosed() {
        Slab p = Slab.allocate("p", layout(5, 4)), g = Slab.allocate("g", layout(5, 4));
        Embedding e = new Embedding(p, g, "embedding.", 5, 4, 0);
        p.close();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = floats(arena, 4);
            expect(IllegalStateException.class, () -> e.forward(out, new int[] {1}, 0, 1), "embedding.weight", "closed");
            g.close();
            expect(IllegalStateException.class, () -> e.backward(out, new int[] {1}, 0, 1), "embedding.weight", "closed");
        }
    }

    @Test
    void meanSquaredError() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = floats(arena, 6), t = floats(arena, 6), d = floats(arena, 6), mask = floats(arena, 3);
            ok(() -> MeanSquaredError.forwardBackward(d, p, t, null, 3, 2));
            expect(IllegalArgumentException.class, () -> MeanSquaredError.forward(p, t, null, -1, 2), "rows must be >= 0, got -1");
            expect(IllegalArgumentException.class, () -> MeanSquaredError.forward(p, t, null, 3, 0), "dim must be >= 1, got 0");
            expect(IllegalArgumentException.class, () -> MeanSquaredError.forward(p, t, null, 4, 2), "prediction (N, D) needs 8 elements");
            expect(IllegalArgumentException.class, () -> MeanSquaredError.forward(p, t, null, Integer.MAX_VALUE, Integer.MAX_VALUE),
                    "prediction (N, D) needs 4611686014132420609 elements");
            expect(IllegalArgumentException.class, () -> MeanSquaredError.forward(p, null, null, 3, 2), "target (N, D) is null");
            expect(IllegalArgumentException.class, () -> MeanSquaredError.forwardBackward(d.asReadOnly(), p, t, null, 3, 2), "dprediction (N, D)", "read-only");
            expect(IllegalArgumentException.class, () -> MeanSquaredError.forwardBackward(p.asSlice(4), p, t, null, 2, 2),
                    "dprediction (N, D) must be prediction (N, D) itself or not overlap it");
            mask.setAtIndex(ValueLayout.JAVA_FLOAT, 1, Float.NaN);
            expect(IllegalArgumentException.class, () -> MeanSquaredError.forward(p, t, mask, 3, 2), "mask[1] must be finite and >= 0, got NaN");
            // documented: masked rows are not read, so NaN there is fine
            mask.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 1f);
            mask.setAtIndex(ValueLayout.JAVA_FLOAT, 1, 0f);
            p.setAtIndex(ValueLayout.JAVA_FLOAT, 2, Float.NaN);
            double loss = MeanSquaredError.forwardBackward(d, p, t, mask, 3, 2);
            check(loss == 0 && !Float.isNaN(d.getAtIndex(ValueLayout.JAVA_FLOAT, 2)), "NaN in a masked row is ignored, got loss " + loss);
            MemorySegment closed;
            try (Arena gone = Arena.ofConfined()) {
                closed = floats(gone, 6);
            }
            expect(IllegalStateException.class, () -> MeanSquaredError.forward(closed, t, null, 3, 2), "prediction (N, D) is a segment whose arena is closed");
        }
    }
}
