package dev.panamarnn.train;

import dev.panamarnn.internal.kernels.SegmentChecks;
import dev.panamarnn.kernels.CheckedKernels;
import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/** Argument checks shared by the losses and optimizers (the kernels below them trust their inputs). */
final class Segments {
    private Segments() {}

    /** The unchecked implementation (callers here validate up front, once). */
    static Kernels unchecked(Kernels kernels) {
        if (kernels == null) {
            throw new IllegalArgumentException("kernels is null");
        }
        return kernels instanceof CheckedKernels c ? c.inner() : kernels;
    }

    /** null or {@link MemorySegment#NULL}: an optional buffer left out. */
    static boolean absent(MemorySegment s) {
        return SegmentChecks.absent(s);
    }

    /** An off-heap, open, 4-byte-aligned segment of at least {@code elements} 4-byte elements. */
    static void require(String name, MemorySegment segment, long elements) {
        SegmentChecks.require(name, segment, elements);
    }

    /** {@link #require} for a buffer that is written: also not read-only. */
    static void requireWritable(String name, MemorySegment segment, long elements) {
        SegmentChecks.requireWritable(name, segment, elements);
    }

    /** The first {@code elements} elements of a and b are the same memory or share no byte. */
    static void sameOrDisjoint(String aName, MemorySegment a, String bName, MemorySegment b, long elements) {
        long bytes = elements * 4;
        if (a.address() != b.address() && bytes > 0 && a.address() < b.address() + bytes && b.address() < a.address() + bytes) {
            throw new IllegalArgumentException(aName + " must be " + bName + " itself or not overlap it, got addresses 0x"
                    + Long.toHexString(a.address()) + " and 0x" + Long.toHexString(b.address()) + " (" + bytes + " bytes each)");
        }
    }

    static void positive(String name, int value) {
        SegmentChecks.positive(name, value);
    }

    static void nonNegative(String name, int value) {
        SegmentChecks.nonNegative(name, value);
    }

    static void finiteNonNegative(String name, double value) {
        if (!(value >= 0 && value < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
    }

    static void finitePositive(String name, double value) {
        if (!(value > 0 && value < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(name + " must be finite and > 0, got " + value);
        }
    }
}
