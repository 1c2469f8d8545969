package dev.panamarnn.layers;

import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** Argument checks shared by the layers. */
final class Layers {
    private Layers() {}

    static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    /** The named tensor of a slab, which must have exactly this shape. */
    static Tensor tensor(Slab slab, String name, int... shape) {
        if (slab == null) {
            throw new IllegalArgumentException("slab for '" + name + "' is null");
        }
        Tensor t = slab.get(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("'" + name + "' in slab '" + slab.name() + "' must have shape "
                    + Arrays.toString(shape) + ", got " + Arrays.toString(t.shape()));
        }
        return t;
    }

    /** An open, off-heap, 4-byte-aligned segment of at least {@code elements} 4-byte elements. */
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

    /** null or {@link MemorySegment#NULL}: an optional buffer left out. */
    static boolean absent(MemorySegment s) {
        return s == null || MemorySegment.NULL.equals(s);
    }

    static void nonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }

    /** ids[offset .. offset + rows) lies inside the array. */
    static void range(String name, int[] ids, int offset, int rows) {
        if (ids == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        nonNegative("rows", rows);
        if (offset < 0 || offset > ids.length - rows) {
            throw new IllegalArgumentException(name + "[" + offset + " .. " + ((long) offset + rows) + ") is outside an array of "
                    + ids.length);
        }
    }

    /** a (aElements floats) and b (bElements floats) share no byte. */
    static void disjoint(String aName, MemorySegment a, long aElements, String bName, MemorySegment b, long bElements) {
        long aBytes = aElements * 4, bBytes = bElements * 4;
        if (aBytes > 0 && bBytes > 0 && a.address() < b.address() + bBytes && b.address() < a.address() + aBytes) {
            throw new IllegalArgumentException(aName + " and " + bName + " must not overlap, got addresses 0x"
                    + Long.toHexString(a.address()) + " (" + aBytes + " bytes) and 0x" + Long.toHexString(b.address())
                    + " (" + bBytes + " bytes)");
        }
    }
}
