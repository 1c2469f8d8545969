package dev.panamarnn.guards;

import static dev.panamarnn.guards.Guards.expect;
import static dev.panamarnn.guards.Guards.ok;

import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Tensor and Slab: negative and overflowing shapes, wrong element counts, use after close. */
class TensorGuardTest {

    @Test
    void shapesThatAreNegativeEmptyOrOverflowAByteCount() {
        expect(IllegalArgumentException.class, () -> Tensor.elementCount(3, -1), "dimensions must be >= 0, got shape [3, -1]");
        expect(IllegalArgumentException.class, () -> Tensor.elementCount(), "at least one dimension, got shape []");
        // 2^31-1 cubed overflows a long; 2^31-1 squared times 4 bytes... fits; (2^31-1)^2 * 2^31 does not
        int big = Integer.MAX_VALUE;
        expect(IllegalArgumentException.class, () -> Tensor.elementCount(big, big, big),
                "shape [2147483647, 2147483647, 2147483647]", "too many elements");
        expect(IllegalArgumentException.class, () -> Tensor.elementCount(1 << 30, 1 << 30, 4), "shape [1073741824, 1073741824, 4]", "too many elements");
        try (Arena arena = Arena.ofConfined()) {
            expect(IllegalArgumentException.class, () -> Tensor.allocate(arena, big, big, big), "shape [2147483647, 2147483647, 2147483647]",
                    "too many elements");
            expect(IllegalArgumentException.class, () -> Tensor.allocate(arena, 2, -2), "dimensions must be >= 0, got shape [2, -2]");
            expect(IllegalArgumentException.class, () -> Tensor.of(arena.allocate(12), 2, 2), "segment of 12 bytes cannot hold shape [2, 2]: expected 16 bytes");
            expect(IllegalArgumentException.class, () -> Tensor.of(null, 2, 2), "segment is null");
            expect(IllegalArgumentException.class, () -> Tensor.allocate(null, 2, 2), "arena is null");
            expect(IllegalArgumentException.class, () -> Tensor.of(arena.allocate(16), (int[]) null), "shape is null");
        }
    }

    @Test
    void accessOutsideTheShape() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, 2, 3);
            expect(IndexOutOfBoundsException.class, () -> t.get(6), "index 6 outside 6 elements of shape [2, 3]");
            expect(IndexOutOfBoundsException.class, () -> t.set(-1, 0f), "index -1 outside 6 elements of shape [2, 3]");
            expect(IndexOutOfBoundsException.class, () -> t.get(2, 0), "(2, 0) outside shape [2, 3]");
            expect(IndexOutOfBoundsException.class, () -> t.slice(2), "slice 2 of shape [2, 3]");
            expect(IndexOutOfBoundsException.class, () -> Tensor.allocate(arena, 4).slice(0), "slice 0 of shape [4]");
            expect(IllegalArgumentException.class, () -> t.reshape(4, 2), "cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)");
            expect(IllegalArgumentException.class, () -> t.reshape(-6, -1), "dimensions must be >= 0");
            expect(IllegalArgumentException.class, () -> t.copyFrom(new float[5]), "expected 6 values for shape [2, 3], got 5");
            expect(IllegalArgumentException.class, () -> t.copyFrom(null), "values", "null");
        }
    }

    @Test
    void useAfterTheArenaIsClosed() {
        Tensor t;
        Arena arena = Arena.ofConfined();
        t = Tensor.allocate(arena, 2, 3);
        Tensor view = t.slice(1);
        arena.close();
        expect(IllegalStateException.class, () -> t.get(0), "tensor [2, 3] used after its memory was closed");
        expect(IllegalStateException.class, () -> t.set(0, 1f), "tensor [2, 3] used after its memory was closed");
        expect(IllegalStateException.class, () -> t.get(1, 1), "tensor [2, 3] used after its memory was closed");
        expect(IllegalStateException.class, t::toArray, "tensor [2, 3] used after its memory was closed");
        expect(IllegalStateException.class, () -> t.fill(2f), "used after its memory was closed");
        expect(IllegalStateException.class, () -> t.copyFrom(new float[6]), "used after its memory was closed");
        expect(IllegalStateException.class, () -> view.get(0), "tensor [3] used after its memory was closed");
        expect(IllegalStateException.class, () -> Tensor.allocate(arena, 2), "arena is closed");
    }

    @Test
    void slabs() {
        expect(IllegalArgumentException.class, () -> Slab.Layout.builder().add("a", 2).add("a", 3), "duplicate tensor name 'a'");
        expect(IllegalArgumentException.class, () -> Slab.Layout.builder().add("a", 2, -3), "dimensions must be >= 0, got shape [2, -3]");
        expect(IllegalArgumentException.class, () -> Slab.Layout.builder().add(null, 2), "tensor name is null");
        // each entry fits a byte count, their sum does not
        expect(IllegalArgumentException.class, () -> Slab.Layout.builder().add("a", 1 << 30, 1 << 30).add("b", 1 << 30, 1 << 30),
                "slab layout", "'b'", "too large");
        Slab slab = Slab.allocate("weights", Slab.Layout.builder().add("w", 2, 3).build());
        expect(IllegalArgumentException.class, () -> slab.get("v"), "slab 'weights' has no tensor 'v'; it has [w]");
        Tensor w = slab.get("w");
        slab.close();
        slab.close();   // idempotent
        expect(IllegalStateException.class, () -> slab.get("w"), "slab 'weights' is closed");
        expect(IllegalStateException.class, slab::all, "slab 'weights' is closed");
        expect(IllegalStateException.class, slab::zero, "slab 'weights' is closed");
        expect(IllegalStateException.class, slab::tensors, "slab 'weights' is closed");
        expect(IllegalStateException.class, () -> w.get(0), "used after its memory was closed");
        expect(IllegalArgumentException.class, () -> Slab.allocate("x", null), "layout is null");
    }

    @Test
    void heapBackedTensorsWork() {
        Tensor t = Tensor.of(MemorySegment.ofArray(new float[6]), 2, 3);
        ok(() -> t.set(5, 1f));
        ok(() -> t.toArray());
    }
}
