package dev.panamarnn.internal.kernels;

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

    /** An open, off-heap, 4-byte-aligned segment of at least {@code elements} 4-byte elements; null and NULL are refused. */
    public static void require(String name, MemorySegment segment, long elements) {
        if (absent(segment)) {
            throw new IllegalArgumentException(name + " is null");
        }
        check(name, segment, elements, "elements");
    }

    /**
     * An open, off-heap, 4-byte-aligned segment of at least {@code elements} 4-byte elements
     * ({@code unit}: "floats", "ints" in the message, which then also gives the segment's count). {@link MemorySegment#NULL} is a segment of 0
     * bytes here (enough for 0 elements, as BLAS allows). The size test divides instead of
     * multiplying, so a huge count (n * 4 past a long) is refused, never wrapped around into a small
     * byte count that would pass and send native code past the end of the segment.
     */
    public static void check(String name, MemorySegment segment, long elements, String unit) {
        requireOpenNative(name, segment);
        if (segment.address() % 4 != 0) {
            throw new IllegalArgumentException(name + " must be 4-byte aligned, got address 0x" + Long.toHexString(segment.address()));
        }
        if (elements < 0 || elements > segment.byteSize() / 4) {
            String bytes = elements <= Long.MAX_VALUE / 4 ? elements * 4 + " bytes" : "more than 2^63 bytes";
            String has = unit.equals("elements") ? "" : " (" + segment.byteSize() / 4 + " " + unit + ")";
            throw new IllegalArgumentException(name + " needs " + elements + " " + unit + " (" + bytes + "), got a segment of "
                    + segment.byteSize() + " bytes" + has);
        }
    }

    /** An open, off-heap segment of at least {@code count} bytes (any alignment), e.g. int8 data. */
    public static void checkBytes(String name, MemorySegment segment, long count) {
        requireOpenNative(name, segment);
        if (count < 0 || segment.byteSize() < count) {
            throw new IllegalArgumentException(name + " needs " + count + " bytes, got a segment of " + segment.byteSize() + " bytes");
        }
    }

    /** Not null, its arena open, off-heap. */
    private static void requireOpenNative(String name, MemorySegment segment) {
        if (segment == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(name + " is a segment whose arena is closed");
        }
        if (!segment.isNative()) {
            throw new IllegalArgumentException(name + " must be an off-heap segment, got a heap segment");
        }
    }

    /** An output buffer must be writable: a native kernel writing into a read-only mapping would crash the JVM. */
    public static void writable(String name, MemorySegment segment) {
        if (segment.isReadOnly()) {
            throw new IllegalArgumentException(name + " is an output and must be writable, got a read-only segment");
        }
    }

    /** {@link #require} for an output buffer: also {@link #writable}. */
    public static void requireWritable(String name, MemorySegment segment, long elements) {
        require(name, segment, elements);
        writable(name, segment);
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
