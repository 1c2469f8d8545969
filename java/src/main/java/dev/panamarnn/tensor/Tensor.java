package dev.panamarnn.tensor;

import dev.panamarnn.internal.memory.OffHeap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A row-major float32 tensor over an off-heap {@link MemorySegment}. A tensor is a view: the memory
 * belongs to whoever allocated the segment (a {@link Slab}, an {@link Arena}); after the owner is
 * closed every access throws {@link IllegalStateException}.
 */
public final class Tensor {
    /** Little-endian-neutral float layout used for every element access (native byte order). */
    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;

    private final MemorySegment segment;
    private final int[] shape;
    private final long size;

    private Tensor(MemorySegment segment, int[] shape, long size) {
        this.segment = segment;
        this.shape = shape;
        this.size = size;
    }

    /** A tensor of the given shape over {@code segment}, which must hold exactly that many floats. */
    public static Tensor of(MemorySegment segment, int... shape) {
        if (segment == null) {
            throw new IllegalArgumentException("segment is null");
        }
        long size = elementCount(shape);
        if (segment.byteSize() != size * Float.BYTES) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes cannot hold shape "
                    + Arrays.toString(shape) + ": expected " + size * Float.BYTES + " bytes");
        }
        return new Tensor(segment, shape.clone(), size);
    }

    /**
     * A zero-filled tensor allocated in {@code arena} (64-byte aligned); an
     * {@link IllegalArgumentException} naming the bytes when the allocation cannot succeed.
     */
    public static Tensor allocate(Arena arena, int... shape) {
        if (arena == null) {
            throw new IllegalArgumentException("arena is null");
        }
        long size = elementCount(shape);
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("cannot allocate a tensor " + Arrays.toString(shape) + ": the arena is closed");
        }
        MemorySegment segment = OffHeap.allocate(arena, size * Float.BYTES, 64, "a tensor " + Arrays.toString(shape), "its shape");
        return new Tensor(segment, shape.clone(), size);
    }

    /**
     * Number of elements of a shape; every dimension must be >= 0 and the byte count must fit a long
     * ({@link IllegalArgumentException} naming the shape otherwise).
     */
    public static long elementCount(int... shape) {
        if (shape == null) {
            throw new IllegalArgumentException("shape is null");
        }
        if (shape.length == 0) {
            throw new IllegalArgumentException("a tensor needs at least one dimension, got shape []");
        }
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("dimensions must be >= 0, got shape " + Arrays.toString(shape));
            }
            if (d != 0 && n > Long.MAX_VALUE / Float.BYTES / d) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has too many elements: its byte count "
                        + "overflows a long (at most " + Long.MAX_VALUE / Float.BYTES + " floats)");
            }
            n *= d;
        }
        return n;
    }

    public MemorySegment segment() {
        return segment;
    }

    public int[] shape() {
        return shape.clone();
    }

    /** True when the shape equals {@code expected} (no copy of the shape is made). */
    public boolean hasShape(int[] expected) {
        return Arrays.equals(shape, expected);
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    /** Total number of elements. */
    public long size() {
        return size;
    }

    /** True while the memory's owner is open. */
    public boolean isAlive() {
        return segment.scope().isAlive();
    }

    public float get(long index) {
        checkIndex(index);
        checkAlive();
        return segment.getAtIndex(FLOAT, index);
    }

    public void set(long index, float value) {
        checkIndex(index);
        checkAlive();
        segment.setAtIndex(FLOAT, index, value);
    }

    /** Element at a 2-D position (row, col) of a rank-2 tensor. */
    public float get(int row, int col) {
        if (shape.length != 2 || row < 0 || row >= shape[0] || col < 0 || col >= shape[1]) {
            throw new IndexOutOfBoundsException("(" + row + ", " + col + ") outside shape " + Arrays.toString(shape));
        }
        checkAlive();
        return segment.getAtIndex(FLOAT, (long) row * shape[1] + col);
    }

    /** Copies {@code values} (exactly {@link #size()} floats, row-major) into the tensor. */
    public Tensor copyFrom(float[] values) {
        if (values == null) {
            throw new IllegalArgumentException("values is null; expected " + size + " values for shape " + Arrays.toString(shape));
        }
        if (values.length != size) {
            throw new IllegalArgumentException("expected " + size + " values for shape " + Arrays.toString(shape)
                    + ", got " + values.length);
        }
        checkAlive();
        MemorySegment.copy(values, 0, segment, FLOAT, 0, values.length);
        return this;
    }

    /** The elements as a new heap array (row-major). */
    public float[] toArray() {
        checkAlive();
        return segment.toArray(FLOAT);
    }

    public void fill(float value) {
        checkAlive();
        if (value == 0f) {
            segment.fill((byte) 0);
        } else {
            for (long i = 0; i < size; i++) {
                segment.setAtIndex(FLOAT, i, value);
            }
        }
    }

    /** Same memory, another shape with the same element count. */
    public Tensor reshape(int... newShape) {
        long n = elementCount(newShape);
        if (n != size) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " (" + size + " elements) to "
                    + Arrays.toString(newShape) + " (" + n + " elements)");
        }
        return new Tensor(segment, newShape.clone(), size);
    }

    /** The sub-tensor at {@code index} along the first axis, e.g. step t of a (T, B, H) tensor. */
    public Tensor slice(int index) {
        if (shape.length < 2 || index < 0 || index >= shape[0]) {
            throw new IndexOutOfBoundsException("slice " + index + " of shape " + Arrays.toString(shape));
        }
        int[] rest = Arrays.copyOfRange(shape, 1, shape.length);
        long n = size / shape[0];
        return new Tensor(segment.asSlice(index * n * Float.BYTES, n * Float.BYTES), rest, n);
    }

    private void checkIndex(long index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " outside " + size + " elements of shape " + Arrays.toString(shape));
        }
    }

    private void checkAlive() {
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException("tensor " + Arrays.toString(shape) + " used after its memory was closed");
        }
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
