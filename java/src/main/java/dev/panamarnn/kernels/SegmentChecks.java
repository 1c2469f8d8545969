package dev.panamarnn.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The argument checks the library's front doors share (layers, losses, optimizers): sizes and
 * segments are validated once, with messages naming the argument, the expected and the actual value.
 */
public final class SegmentChecks {
    private SegmentChecks() {}

    /** null or {@link MemorySegment#NULL}: an optional buffer left out. */
    public static boolean absent(MemorySegment s) {
        return s == null || MemorySegment.NULL.equals(s);
    }

    /** An open, off-heap, 4-byte-aligned segment of at least {@code elements} 4-byte elements. */
    public static void require(String name, MemorySegment segment, long elements) {
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

    public static void nonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }

    public static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }
}
