package dev.panamarnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.internal.kernels.JavaKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The validating front door: wrong sizes are IllegalArgumentExceptions naming expected and actual. */
class CheckedKernelsTest {
    private final CheckedKernels kernels = new CheckedKernels(new JavaKernels());

    @Test
    void sgemmRejectsTooSmallC() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(4L * 6), b = arena.allocate(4L * 12), c = arena.allocate(4L * 7);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> kernels.sgemm(false, false, 2, 4, 3, 1f, a, 3, b, 4, 0f, c, 4));
            assertTrue(e.getMessage().contains("C (2 x 4, ld 4) needs 8 floats"), e.getMessage());
            assertTrue(e.getMessage().contains("7 floats"), e.getMessage());
        }
    }

    @Test
    void sgemmRejectsShortLeadingDimensionAndNegativeSizes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4L * 100);
            var lda = assertThrows(IllegalArgumentException.class,
                    () -> kernels.sgemm(true, false, 2, 2, 3, 1f, s, 1, s, 2, 0f, s, 2));
            assertEquals("leading dimension of A (3 x 2) must be >= 2, got 1", lda.getMessage());
            var negative = assertThrows(IllegalArgumentException.class,
                    () -> kernels.sgemm(false, false, -1, 2, 3, 1f, s, 3, s, 2, 0f, s, 2));
            assertEquals("m must be >= 0, got -1", negative.getMessage());
        }
    }

    @Test
    void hugeSizesDoNotOverflowIntoASmallByteCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4L * 16);
            int big = 1 << 30;
            var e = assertThrows(IllegalArgumentException.class,
                    () -> kernels.lstmForwardStep(s, s, s, s, s, big, big));
            assertTrue(e.getMessage().startsWith("h (B, H) needs 1152921504606846976 floats"), e.getMessage());
        }
    }

    @Test
    void heapAndClosedSegmentsAreRejected() {
        MemorySegment heap = MemorySegment.ofArray(new float[8]);
        var e = assertThrows(IllegalArgumentException.class, () -> kernels.saxpy(8, 1f, heap, heap));
        assertEquals("x must be an off-heap segment, got a heap segment", e.getMessage());
        MemorySegment closed;
        try (Arena arena = Arena.ofConfined()) {
            closed = arena.allocate(32);
        }
        var c = assertThrows(IllegalStateException.class, () -> kernels.sscal(8, 2f, closed));
        assertEquals("x is a segment whose arena is closed", c.getMessage());
    }

    @Test
    void lstmStepRejectsWrongGateBuffer() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(4L * 2 * 5), gates = arena.allocate(4L * 2 * 5 * 3), bias = arena.allocate(4L * 4 * 5);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> kernels.lstmForwardStep(state, state, gates, bias, state, 2, 5));
            assertEquals("gates (B, 4H) needs 40 floats (160 bytes), got a segment of 120 bytes (30 floats)", e.getMessage());
        }
    }
}
