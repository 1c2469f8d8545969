package dev.panamarnn.guards;

import static dev.panamarnn.guards.Guards.expect;
import static dev.panamarnn.guards.Guards.ok;

import dev.panamarnn.kernels.CheckedKernels;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * KernelSelection.checked(), the public front door of the kernels: every size, stride and segment is
 * checked before the call. Here each method gets too-small, negative, overflowing, closed, heap,
 * misaligned and read-only arguments; with native kernels any one that slipped through would be a
 * write outside the segment (or into a read-only mapping: SIGSEGV).
 */
final class KernelCases {
    private KernelCases() {}

    static List<GuardCase> all(Kernels inner) {
        CheckedKernels k = new CheckedKernels(inner);
        return List.of(
            new GuardCase("kernels.sgemm shapes", () -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment a = floats(arena, 6), b = floats(arena, 12), c = floats(arena, 7), big = floats(arena, 100);
                    ok(() -> k.sgemm(false, false, 2, 4, 3, 1f, a, 3, b, 4, 0f, big, 4));
                    expect(IllegalArgumentException.class, () -> k.sgemm(false, false, 2, 4, 3, 1f, a, 3, b, 4, 0f, c, 4),
                            "C (2 x 4, ld 4) needs 8 floats", "7 floats");
                    expect(IllegalArgumentException.class, () -> k.sgemm(false, false, 3, 4, 3, 1f, a, 3, b, 4, 0f, big, 4),
                            "A (3 x 3, ld 3) needs 9 floats", "6 floats");
                    expect(IllegalArgumentException.class, () -> k.sgemm(true, false, 2, 4, 3, 1f, a, 1, b, 4, 0f, big, 4),
                            "leading dimension of A (3 x 2) must be >= 2, got 1");
                    expect(IllegalArgumentException.class, () -> k.sgemm(false, true, 2, 4, 3, 1f, a, 3, b, 2, 0f, big, 4),
                            "leading dimension of B (4 x 3) must be >= 3, got 2");
                    expect(IllegalArgumentException.class, () -> k.sgemm(false, false, 2, 4, 3, 1f, a, 3, b, 4, 0f, big, -4),
                            "leading dimension of C", "got -4");
                    expect(IllegalArgumentException.class, () -> k.sgemm(false, false, -1, 4, 3, 1f, a, 3, b, 4, 0f, big, 4), "m must be >= 0, got -1");
                    expect(IllegalArgumentException.class, () -> k.sgemm(false, false, 2, -4, 3, 1f, a, 3, b, 4, 0f, big, 4), "n must be >= 0, got -4");
                    expect(IllegalArgumentException.class, () -> k.sgemm(false, false, 2, 4, Integer.MIN_VALUE, 1f, a, 3, b, 4, 0f, big, 4),
                            "k must be >= 0, got -2147483648");
                }
            }),
            new GuardCase("kernels.sgemm huge sizes", () -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment s = floats(arena, 64);
                    int big = Integer.MAX_VALUE;
                    // (2^31-1)^2 floats: far past any int, and past 2^62 bytes once times 4
                    expect(IllegalArgumentException.class, () -> k.sgemm(false, false, big, big, big, 1f, s, big, s, big, 0f, s, big),
                            "needs", "got a segment of 256 bytes");
                    expect(IllegalArgumentException.class, () -> k.sgemv(false, big, big, 1f, s, big, s, 0f, s), "needs", "256 bytes");
                }
            }),
            new GuardCase("kernels.sgemv shapes", () -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment a = floats(arena, 12), x3 = floats(arena, 3), x4 = floats(arena, 4);
                    ok(() -> k.sgemv(false, 3, 4, 1f, a, 4, x4, 0f, x3));
                    ok(() -> k.sgemv(true, 3, 4, 1f, a, 4, x3, 0f, x4));
                    expect(IllegalArgumentException.class, () -> k.sgemv(false, 3, 4, 1f, a, 4, x3, 0f, x3), "x needs 4 floats", "12 bytes");
                    expect(IllegalArgumentException.class, () -> k.sgemv(true, 3, 4, 1f, a, 4, x3, 0f, x3), "y needs 4 floats", "12 bytes");
                    expect(IllegalArgumentException.class, () -> k.sgemv(false, 4, 4, 1f, a, 4, x4, 0f, x4), "A (4 x 4, ld 4) needs 16 floats");
                    expect(IllegalArgumentException.class, () -> k.sgemv(false, -3, 4, 1f, a, 4, x4, 0f, x3), "m must be >= 0, got -3");
                }
            }),
            new GuardCase("kernels.level1 sizes", () -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment x = floats(arena, 8), y = floats(arena, 4);
                    expect(IllegalArgumentException.class, () -> k.saxpy(8, 1f, x, y), "y needs 8 floats (32 bytes), got a segment of 16 bytes");
                    expect(IllegalArgumentException.class, () -> k.saxpy(-1, 1f, x, y), "n must be >= 0, got -1");
                    expect(IllegalArgumentException.class, () -> k.sscal(9, 2f, x), "x needs 9 floats");
                    expect(IllegalArgumentException.class, () -> k.sdot(8, x, y), "y needs 8 floats");
                    expect(IllegalArgumentException.class, () -> k.snrm2(Integer.MAX_VALUE, x), "x needs 2147483647 floats");
                    expect(IllegalArgumentException.class, () -> k.snrm2(-5, x), "n must be >= 0, got -5");
                }
            }),
            new GuardCase("kernels.zero sizes are no-ops, even on NULL", () -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment b = floats(arena, 12), n = MemorySegment.NULL;
                    ok(() -> k.sgemm(false, false, 0, 4, 3, 1f, n, 3, b, 4, 0f, n, 4));
                    ok(() -> k.sgemm(false, false, 2, 4, 0, 1f, n, 1, n, 4, 0f, floats(arena, 8), 4));
                    ok(() -> k.sgemv(false, 0, 0, 1f, n, 1, n, 0f, n));
                    ok(() -> k.saxpy(0, 1f, n, n));
                    ok(() -> k.lstmForwardStep(n, n, n, floats(arena, 20), n, 0, 5));
                    ok(() -> k.gruBackwardStep(n, n, n, n, n, n, n, 3, 0));
                    ok(() -> k.softmaxCrossEntropyForwardBackward(n, n, n, n, n, 1f, 0, 7));
                    ok(() -> k.adamStep(n, n, n, n, 0.1, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001, 0));
                    expect(IllegalArgumentException.class, () -> k.sscal(1, 2f, n), "x needs 1 floats (4 bytes), got a segment of 0 bytes");
                }
            }),
            new GuardCase("kernels.segments null heap closed misaligned", () -> {
                MemorySegment closed;
                try (Arena gone = Arena.ofConfined()) {
                    closed = floats(gone, 8);
                }
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment x = floats(arena, 9);
                    MemorySegment heap = MemorySegment.ofArray(new float[8]);
                    MemorySegment misaligned = x.asSlice(1, 32);
                    expect(IllegalArgumentException.class, () -> k.saxpy(8, 1f, null, x), "x is null");
                    expect(IllegalArgumentException.class, () -> k.saxpy(8, 1f, MemorySegment.NULL, x), "x needs 8 floats", "got a segment of 0 bytes");
                    expect(IllegalArgumentException.class, () -> k.saxpy(8, 1f, heap, x), "x must be an off-heap segment, got a heap segment");
                    expect(IllegalStateException.class, () -> k.saxpy(8, 1f, x, closed), "y is a segment whose arena is closed");
                    expect(IllegalArgumentException.class, () -> k.sscal(8, 1f, misaligned), "x must be 4-byte aligned");
                    expect(IllegalStateException.class, () -> k.sgemm(false, false, 2, 2, 2, 1f, closed, 2, x, 2, 0f, x, 2),
                            "A (2 x 2, ld 2) is a segment whose arena is closed");
                }
            }),
            new GuardCase("kernels.outputs read-only", () -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment x = floats(arena, 64), ro = floats(arena, 64).asReadOnly();
                    expect(IllegalArgumentException.class, () -> k.saxpy(8, 1f, x, ro), "y", "read-only");
                    expect(IllegalArgumentException.class, () -> k.sscal(8, 1f, ro), "x", "read-only");
                    expect(IllegalArgumentException.class, () -> k.sgemm(false, false, 2, 2, 2, 1f, x, 2, x, 2, 0f, ro, 2), "C", "read-only");
                    expect(IllegalArgumentException.class, () -> k.sgemv(false, 2, 2, 1f, x, 2, x, 0f, ro), "y", "read-only");
                    expect(IllegalArgumentException.class, () -> k.lstmForwardStep(ro, x, x.asSlice(0, 64), x, x, 2, 2), "h (B, H)", "read-only");
                    expect(IllegalArgumentException.class, () -> k.rnnForwardStep(false, ro, x, x, 2, 2), "h (B, H)", "read-only");
                    expect(IllegalArgumentException.class, () -> k.adamStep(ro, floats(arena, 4), floats(arena, 4), floats(arena, 4),
                            0.1, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001, 4), "param (n)", "read-only");
                }
            }),
            new GuardCase("kernels.outputs read-only file mapping", () -> {
                // a READ_ONLY mapping: a native write here is a SIGSEGV, so the guard is all that stands between
                Path file = Files.createTempFile("guards-readonly", ".bin");
                try {
                    Files.write(file, new byte[4096]);
                    try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                        MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, 4096, arena);
                        MemorySegment x = floats(arena, 1024);
                        expect(IllegalArgumentException.class, () -> k.sscal(1024, 2f, mapped), "x", "read-only");
                        expect(IllegalArgumentException.class, () -> k.sgemm(false, false, 32, 32, 32, 1f, x, 32, x, 32, 0f, mapped, 32), "C", "read-only");
                        expect(IllegalArgumentException.class, () -> k.rnnForwardStep(true, mapped, x, x, 32, 32), "h (B, H)", "read-only");
                        expect(IllegalArgumentException.class, () -> k.softmaxCrossEntropyForwardBackward(mapped, MemorySegment.NULL, x,
                                arena.allocate(4L * 32), MemorySegment.NULL, 1f, 32, 32), "dlogits (N, V)", "read-only");
                        expect(IllegalArgumentException.class, () -> k.sgdStep(mapped, MemorySegment.NULL, x, 0.1, 0, 0, 0, false, true, 1024),
                                "param (n)", "read-only");
                    }
                } finally {
                    Files.deleteIfExists(file);
                }
            }),
            new GuardCase("kernels.cell steps", () -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment s = floats(arena, 10), g3 = floats(arena, 30), g4 = floats(arena, 40), b = floats(arena, 15);
                    MemorySegment b4 = floats(arena, 20);
                    int big = 1 << 30;
                    ok(() -> k.lstmForwardStep(floats(arena, 10), floats(arena, 10), g4, b4, floats(arena, 10), 2, 5));
                    expect(IllegalArgumentException.class, () -> k.lstmForwardStep(s, s, g3, b4, s, 2, 5),
                            "gates (B, 4H) needs 40 floats (160 bytes), got a segment of 120 bytes (30 floats)");
                    expect(IllegalArgumentException.class, () -> k.lstmForwardStep(s, s, g4, floats(arena, 19), s, 2, 5),
                            "bias (4H) needs 20 floats (80 bytes), got a segment of 76 bytes (19 floats)");
                    expect(IllegalArgumentException.class, () -> k.lstmForwardStep(s, s, g4, b4, s, big, big), "h (B, H) needs 1152921504606846976 floats");
                    expect(IllegalArgumentException.class, () -> k.lstmForwardStep(s, s, g4, b4, s, -2, 5), "batch must be >= 0, got -2");
                    expect(IllegalArgumentException.class, () -> k.lstmBackwardStep(g4, s, s, g3, s, s, 2, 5), "gates (B, 4H) needs 40 floats");
                    expect(IllegalArgumentException.class, () -> k.lstmBackwardStep(g4, s, s, g4, s, floats(arena, 9), 2, 5), "c (B, H) needs 10 floats");
                    expect(IllegalArgumentException.class, () -> k.gruForwardStep(s, g3, g3, b, floats(arena, 14), s, 2, 5), "bHh (3H) needs 15 floats");
                    expect(IllegalArgumentException.class, () -> k.gruForwardStep(s, g3, g3, floats(arena, 14), b, s, 2, 5), "bIh (3H) needs 15 floats");
                    expect(IllegalArgumentException.class, () -> k.gruForwardStep(s, g3, floats(arena, 29), b, b, s, 2, 5), "hg (B, 3H) needs 30 floats");
                    expect(IllegalArgumentException.class, () -> k.gruBackwardStep(g3, g3, s, s, g3, g3, floats(arena, 9), 2, 5), "hPrev (B, H) needs 10 floats");
                    expect(IllegalArgumentException.class, () -> k.gruBackwardStep(g3, g3, s, s, g3, g3, s, 2, -5), "hidden must be >= 0, got -5");
                    expect(IllegalArgumentException.class, () -> k.rnnForwardStep(false, s, floats(arena, 9), s, 2, 5), "pre (B, H) needs 10 floats");
                    expect(IllegalArgumentException.class, () -> k.rnnForwardStep(true, s, s, floats(arena, 4), 2, 5), "bias (H) needs 5 floats");
                    expect(IllegalArgumentException.class, () -> k.rnnBackwardStep(true, floats(arena, 9), s, s, 2, 5), "dpre (B, H) needs 10 floats");
                    expect(IllegalArgumentException.class, () -> k.rnnBackwardStep(true, s, s, s, big, 8), "dpre (B, H) needs 8589934592 floats");
                }
            }),
            new GuardCase("kernels.softmax cross-entropy", () -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment logits = floats(arena, 12), targets = arena.allocate(4L * 3), mask = floats(arena, 3);
                    ok(() -> k.softmaxCrossEntropyForwardBackward(floats(arena, 12), MemorySegment.NULL, logits, targets, MemorySegment.NULL, 1f, 3, 4));
                    expect(IllegalArgumentException.class, () -> k.softmaxCrossEntropyForwardBackward(MemorySegment.NULL, MemorySegment.NULL,
                            logits, targets, MemorySegment.NULL, 1f, 3, 0), "vocab must be >= 1, got 0");
                    expect(IllegalArgumentException.class, () -> k.softmaxCrossEntropyForwardBackward(MemorySegment.NULL, MemorySegment.NULL,
                            logits, targets, MemorySegment.NULL, 1f, 4, 4), "logits (N, V) needs 16 floats");
                    expect(IllegalArgumentException.class, () -> k.softmaxCrossEntropyForwardBackward(MemorySegment.NULL, MemorySegment.NULL,
                            logits, targets.asSlice(0, 8), MemorySegment.NULL, 1f, 3, 4), "targets (N) int32 needs 3 ints");
                    targets.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, 1, 4);
                    expect(IllegalArgumentException.class, () -> k.softmaxCrossEntropyForwardBackward(MemorySegment.NULL, MemorySegment.NULL,
                            logits, targets, MemorySegment.NULL, 1f, 3, 4), "targets[1] must be a class id in [0, 4), got 4");
                    targets.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, 1, -1);
                    expect(IllegalArgumentException.class, () -> k.softmaxCrossEntropyForwardBackward(MemorySegment.NULL, MemorySegment.NULL,
                            logits, targets, MemorySegment.NULL, 1f, 3, 4), "targets[1] must be a class id in [0, 4), got -1");
                    mask.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 1, 0f);    // a masked row's target is not read
                    ok(() -> k.softmaxCrossEntropyForwardBackward(MemorySegment.NULL, MemorySegment.NULL, logits, targets, mask, 1f, 3, 4));
                    mask.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 2, Float.NaN);
                    expect(IllegalArgumentException.class, () -> k.softmaxCrossEntropyForwardBackward(MemorySegment.NULL, MemorySegment.NULL,
                            logits, targets, mask, 1f, 3, 4), "mask[2] must be finite and >= 0, got NaN");
                    targets.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, 1, 0);
                    expect(IllegalArgumentException.class, () -> k.softmaxCrossEntropyForwardBackward(MemorySegment.NULL, MemorySegment.NULL,
                            logits, targets, MemorySegment.NULL, Float.POSITIVE_INFINITY, 3, 4), "gradScale must be finite, got Infinity");
                    MemorySegment wide = floats(arena, 16);
                    expect(IllegalArgumentException.class, () -> k.softmaxCrossEntropyForwardBackward(wide.asSlice(4), MemorySegment.NULL,
                            wide, targets, MemorySegment.NULL, 1f, 3, 4), "dlogits (N, V) and logits (N, V) must not overlap");
                }
            }),
            new GuardCase("kernels.optimizer steps huge n", () -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment p = floats(arena, 4), m = floats(arena, 4), v = floats(arena, 4), g = floats(arena, 4);
                    ok(() -> k.adamStep(p, m, v, g, 0.1, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001, 4));
                    // n * 4 wraps to 0 bytes (2^62) or below zero (2^61 + 1): the byte count must not overflow into a pass
                    expect(IllegalArgumentException.class, () -> k.adamStep(p, m, v, g, 0.1, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001, 1L << 62),
                            "param (n) needs 4611686018427387904 floats", "16 bytes");
                    expect(IllegalArgumentException.class, () -> k.adamStep(p, m, v, g, 0.1, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001, (1L << 61) + 1),
                            "param (n) needs 2305843009213693953 floats");
                    expect(IllegalArgumentException.class, () -> k.sgdStep(p, MemorySegment.NULL, g, 0.1, 0, 0, 0, false, true, 1L << 62),
                            "param (n) needs 4611686018427387904 floats");
                    expect(IllegalArgumentException.class, () -> k.sgdStep(p, MemorySegment.NULL, g, 0.1, 0, 0, 0, false, true, Long.MAX_VALUE),
                            "param (n) needs 9223372036854775807 floats");
                    expect(IllegalArgumentException.class, () -> k.adamStep(p, m, v, g, 0.1, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001, -1), "n must be >= 0, got -1");
                }
            }),
            new GuardCase("kernels.optimizer steps arguments", () -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment p = floats(arena, 4), m = floats(arena, 4), v = floats(arena, 4), g = floats(arena, 4);
                    expect(IllegalArgumentException.class, () -> k.adamStep(p, p, v, g, 0.1, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001, 4),
                            "param (n) and expAvg (n) must not overlap");
                    expect(IllegalArgumentException.class, () -> k.adamStep(p, m, v, g, Double.NaN, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001, 4),
                            "lr must be finite and >= 0, got NaN");
                    expect(IllegalArgumentException.class, () -> k.adamStep(p, m, v, g, 0.1, 1.0, 0.999, 1e-8, 0, false, 0.1, 0.001, 4),
                            "beta1 and beta2 must be in [0, 1), got 1.0 and 0.999");
                    expect(IllegalArgumentException.class, () -> k.adamStep(p, m, v, g, 0.1, 0.9, 0.999, 1e-8, 0, false, 0, 0.001, 4),
                            "bias corrections 1 - beta^t must be in (0, 1], got 0.0 and 0.001");
                    expect(IllegalArgumentException.class, () -> k.sgdStep(p, MemorySegment.NULL, g, 0.1, 0.9, 0, 0, false, true, 4),
                            "momentum 0.9 needs a momentum buffer of 4 floats, got NULL");
                    expect(IllegalArgumentException.class, () -> k.sgdStep(p, m, g, 0.1, 0.9, 0.1, 0, true, true, 4),
                            "Nesterov momentum needs momentum > 0 and dampening 0");
                    expect(IllegalArgumentException.class, () -> k.sgdStep(p, m, g, 0.1, Double.POSITIVE_INFINITY, 0, 0, false, true, 4),
                            "momentum must be finite and >= 0, got Infinity");
                }
            })
        );
    }

    /** n floats, 64-byte aligned, zero. */
    static MemorySegment floats(Arena arena, long n) {
        return arena.allocate(n * Float.BYTES, 64);
    }
}
