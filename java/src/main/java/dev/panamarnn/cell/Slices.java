package dev.panamarnn.cell;

import dev.panamarnn.tensor.Slab;
import java.lang.foreign.MemorySegment;

/**
 * A typed buffer layout declares each buffer once, with {@link #take}, and runs its declarations
 * twice: once sizing (each declaration adds a named line to a slab's sizes table and returns null),
 * once slicing (the same declarations, in the same order, return that slab's slices). So the sizes
 * table and the slices cannot disagree. Not an allocator: the slab is the owner's.
 */
public final class Slices {
    private final Slab.Layout.Builder layout;   // sizing; null when slicing
    private final Slab slab;                    // slicing; null when sizing
    private final String prefix;

    private Slices(Slab.Layout.Builder layout, Slab slab, String prefix) {
        this.layout = layout;
        this.slab = slab;
        this.prefix = prefix;
    }

    /** Declarations add their lines to {@code layout} and return null. */
    public static Slices sizing(Slab.Layout.Builder layout) {
        return new Slices(layout, null, "");
    }

    /** Declarations return their slices of {@code slab}, which was allocated from the sizing pass's layout. */
    public static Slices slicing(Slab slab) {
        return new Slices(null, slab, "");
    }

    /** The same pass, with names prefixed by {@code prefix} (e.g. "l0.d1."). */
    public Slices under(String prefix) {
        return new Slices(layout, slab, this.prefix + prefix);
    }

    /** Declares a buffer of the given shape; its slice, or null when sizing. */
    public MemorySegment take(String name, int... shape) {
        if (layout != null) {
            layout.add(prefix + name, shape);
            return null;
        }
        return slab.get(prefix + name).segment();
    }

    /** {@code all} cut into {@code count} equal consecutive slices (per-step views); null for null. */
    public static MemorySegment[] split(MemorySegment all, int count) {
        if (all == null) {
            return null;
        }
        long bytes = all.byteSize() / count;
        MemorySegment[] slices = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            slices[i] = all.asSlice(i * bytes, bytes);
        }
        return slices;
    }
}
