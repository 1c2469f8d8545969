package dev.panamarnn.layers;

import dev.panamarnn.internal.kernels.SegmentChecks;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** Argument checks shared by the layers. */
final class Layers {
    private Layers() {}

    static void positive(String name, int value) {
        SegmentChecks.positive(name, value);
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
        SegmentChecks.require(name, segment, elements);
    }

    /** {@link #require} for a buffer the layer writes: also not read-only. */
    static void requireWritable(String name, MemorySegment segment, long elements) {
        SegmentChecks.requireWritable(name, segment, elements);
    }

    /** The layer's parameter (or gradient) tensor is still alive: its slab was not closed. No allocation unless it throws. */
    static void alive(Tensor t, String layer, String prefix, boolean gradient) {
        if (!t.isAlive()) {
            throw new IllegalStateException((gradient ? "the gradient of " : "") + layer + " '" + prefix + "weight' is used after its slab was closed");
        }
    }

    /** null or {@link MemorySegment#NULL}: an optional buffer left out. */
    static boolean absent(MemorySegment s) {
        return SegmentChecks.absent(s);
    }

    static void nonNegative(String name, int value) {
        SegmentChecks.nonNegative(name, value);
    }

    static void notNull(String name, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " is null");
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
