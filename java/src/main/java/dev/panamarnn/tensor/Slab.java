package dev.panamarnn.tensor;

import dev.panamarnn.internal.memory.OffHeap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One off-heap allocation carved into named tensors from a sizes table (DESIGN.md "Memory").
 * Parameters, gradients and optimizer moments each get a slab of the same layout, so an optimizer
 * step is one flat loop over {@link #all()}. Every slice starts on a 64-byte boundary. The slab owns
 * its Arena: {@link #close()} frees everything and later use throws {@link IllegalStateException}.
 */
public final class Slab implements AutoCloseable {
    /** Alignment of every slice, in bytes (one cache line, one AVX-512 register). */
    public static final long ALIGNMENT = 64;

    private final String name;
    private final Arena arena;
    private final MemorySegment all;
    private final Map<String, Tensor> tensors;
    private final Layout layout;

    private Slab(String name, Layout layout) {
        this.name = name;
        this.layout = layout;
        this.arena = Arena.ofShared();
        try {
            this.all = OffHeap.allocate(arena, Math.max(layout.byteSize, 1), ALIGNMENT, "slab '" + name + "' ("
                    + layout.entries.size() + " tensors)", "the sizes that shape it").asSlice(0, layout.byteSize);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        Map<String, Tensor> map = new LinkedHashMap<>();
        for (Layout.Entry e : layout.entries) {
            map.put(e.name(), Tensor.of(all.asSlice(e.offset(), e.elements() * Float.BYTES), e.shape()));
        }
        this.tensors = Collections.unmodifiableMap(map);
    }

    /**
     * A new zero-filled slab with the given layout; an {@link IllegalArgumentException} naming the
     * bytes when the allocation cannot succeed (over the off-heap budget, or refused by the machine).
     */
    public static Slab allocate(String name, Layout layout) {
        if (layout == null) {
            throw new IllegalArgumentException("layout is null (slab '" + name + "')");
        }
        return new Slab(name, layout);
    }

    public String name() {
        return name;
    }

    public Layout layout() {
        return layout;
    }

    /** The named tensor; throws if the name is not in the layout or the slab is closed. */
    public Tensor get(String tensorName) {
        checkOpen();
        Tensor t = tensors.get(tensorName);
        if (t == null) {
            throw new IllegalArgumentException("slab '" + name + "' has no tensor '" + tensorName + "'; it has " + tensors.keySet());
        }
        return t;
    }

    /** All tensors in layout order. */
    public Map<String, Tensor> tensors() {
        checkOpen();
        return tensors;
    }

    /** The whole allocation (including alignment padding, which stays zero) as one segment. */
    public MemorySegment all() {
        checkOpen();
        return all;
    }

    /** Sets every element (and the padding) to zero. */
    public void zero() {
        checkOpen();
        all.fill((byte) 0);
    }

    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    private void checkOpen() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("slab '" + name + "' is closed");
        }
    }

    /** Frees the memory; idempotent. Tensors handed out before become unusable. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    /** The sizes table: names, shapes, and the 64-byte-aligned offset of each tensor. */
    public static final class Layout {
        private final List<Entry> entries;
        private final long byteSize;

        /** One line of the sizes table. */
        public record Entry(String name, int[] shape, long elements, long offset) {
            @Override
            public String toString() {
                return name + Arrays.toString(shape) + "@" + offset;
            }
        }

        private Layout(List<Entry> entries, long byteSize) {
            this.entries = List.copyOf(entries);
            this.byteSize = byteSize;
        }

        public static Builder builder() {
            return new Builder();
        }

        public List<Entry> entries() {
            return entries;
        }

        /** Bytes of one slab of this layout, padding included. */
        public long byteSize() {
            return byteSize;
        }

        /** Builds a layout line by line: {@code add("weight_hh_l0", 4 * H, H)}. */
        public static final class Builder {
            private final java.util.ArrayList<Entry> entries = new java.util.ArrayList<>();
            private final java.util.HashSet<String> names = new java.util.HashSet<>();
            private long offset;

            /** Adds a line; a negative dimension or a byte count past a long is an IllegalArgumentException. */
            public Builder add(String name, int... shape) {
                if (name == null) {
                    throw new IllegalArgumentException("tensor name is null");
                }
                if (names.contains(name)) {
                    throw new IllegalArgumentException("duplicate tensor name '" + name + "' in a slab layout");
                }
                long elements = Tensor.elementCount(shape);   // elements * 4 fits a long
                long bytes = elements * Float.BYTES;
                long padded = bytes + (ALIGNMENT - 1 - (bytes + ALIGNMENT - 1) % ALIGNMENT);   // rounded up to ALIGNMENT
                if (padded < bytes || offset > Long.MAX_VALUE - padded) {
                    throw new IllegalArgumentException("slab layout too large: adding '" + name + "' " + Arrays.toString(shape)
                            + " (" + bytes + " bytes) at offset " + offset + " overflows a byte count");
                }
                names.add(name);
                entries.add(new Entry(name, shape.clone(), elements, offset));
                offset += padded;
                return this;
            }

            public Layout build() {
                return new Layout(entries, offset);
            }
        }
    }
}
