package dev.panamarnn.train;

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
        return s == null || MemorySegment.NULL.equals(s);
    }

    /** An off-heap, open, 4-byte-aligned segment of at least {@code elements} 4-byte elements. */
    static void require(String name, MemorySegment segment, long elements) {
        if (absent(segment)) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(name + " is a segment whose arena is closed");
        }
        if (!segment.isNative()) {
            throw new IllegalArgumentException(name + " must be an off-heap segment, got a heap segment");
        }
        if (segment.address() % 4 != 0) {
            throw new IllegalArgumentException(name + " must be 4-byte aligned, got address 0x" + Long.toHexString(segment.address()));
        }
        if (segment.byteSize() < elements * 4) {
            throw new IllegalArgumentException(name + " needs " + elements + " elements (" + elements * 4 + " bytes), got a segment of "
                    + segment.byteSize() + " bytes");
        }
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
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    static void nonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
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
