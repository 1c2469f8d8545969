package dev.panamarnn.io;

import dev.panamarnn.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file read into off-heap memory and validated ({@link SafeTensors#read(Path)}):
 * its metadata and its F32 tensors by name. The whole data section is read into one 64-byte
 * aligned allocation owned by this object — the file is not memory-mapped, so a file truncated
 * or rewritten by someone else while it is in use cannot fault the JVM — and every tensor is a
 * read-only {@link Tensor} view into it. Immutable and safe to share between threads; after
 * {@link #close()} every accessor (and every view handed out) throws {@link IllegalStateException}.
 *
 * <p>Nothing here returns a partially read file: {@code read} either validates everything (see
 * {@link SafeTensorsHeader}) and reads every byte, or throws {@link ModelFileException}.
 */
public final class SafeTensorsFile implements AutoCloseable {
    /** Length of the header-size field at the start of the file. */
    static final int PREFIX_BYTES = 8;

    private final Path file;
    private final Arena arena;
    private final MemorySegment data;        // the data section (read-only view), tensors tile it
    private final SafeTensorsHeader header;

    private SafeTensorsFile(Path file, Arena arena, MemorySegment data, SafeTensorsHeader header) {
        this.file = file;
        this.arena = arena;
        this.data = data;
        this.header = header;
    }

    /** Reads and validates {@code file}; see {@link SafeTensors#read(Path)}. */
    static SafeTensorsFile open(Path file) throws ModelFileException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < PREFIX_BYTES) {
                throw new ModelFileException(file, "file is " + size + " bytes, too short for the 8-byte header length"
                        + " that starts a safetensors file");
            }
            ByteBuffer prefix = ByteBuffer.allocate(PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, prefix, 0, file, size, "header length");
            long headerBytes = prefix.getLong(0);   // unsigned 64-bit in the format; >= 2^63 reads as negative
            long available = size - PREFIX_BYTES;
            if (headerBytes < 2 || headerBytes > SafeTensorsHeader.MAX_HEADER_BYTES) {   // "{}" is the shortest header
                throw new ModelFileException(file, "header length " + Long.toUnsignedString(headerBytes)
                        + " is not in [2, " + SafeTensorsHeader.MAX_HEADER_BYTES + "] (not a safetensors file?)");
            }
            if (headerBytes > available) {
                throw new ModelFileException(file, "header length " + headerBytes + " is more than the " + available
                        + " bytes after the length field (is the file truncated?)");
            }
            long dataBytes = available - headerBytes;
            SafeTensorsHeader header;
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment json = scratch.allocate(Math.max(headerBytes, 1)).asSlice(0, headerBytes);
                readFully(channel, json, PREFIX_BYTES, file, size, "header");
                header = SafeTensorsHeader.parse(json, dataBytes, file);
            }
            Arena arena = Arena.ofShared();
            try {
                MemorySegment data = allocate(arena, dataBytes, file);
                readFully(channel, data, PREFIX_BYTES + headerBytes, file, size, "tensor data");
                if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                    toNativeOrder(data);
                }
                return new SafeTensorsFile(file, arena, data.asReadOnly(), header);
            } catch (IOException | RuntimeException | Error e) {
                arena.close();
                throw e;
            }
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelFileException(file, "cannot read: " + AtomicFile.describe(e), e);
        }
    }

    /** One tensor given by value to {@link #of}: its shape and its row-major float32 values. */
    public record Values(int[] shape, float[] values) {}

    /**
     * The tensors and metadata of a model read from another format ({@link ModelFormat}, e.g. ONNX),
     * held exactly as a file read by {@link SafeTensors#read} holds them, so the same loaders
     * ({@link ModelFile#load(SafeTensorsFile, String, dev.panamarnn.kernels.Kernels)},
     * {@code SequenceModelFile.load}) apply every check of the architecture, the shapes and the
     * values to it: nothing read from another format reaches a model without them. Here the
     * framing is checked as {@link SafeTensorsHeader} checks a header: at most
     * {@link SafeTensorsHeader#MAX_TENSORS} tensors and {@link SafeTensorsHeader#MAX_METADATA_ENTRIES}
     * metadata entries, 1..{@link SafeTensorsHeader#MAX_RANK} dimensions each in [0, 2^31-1] whose
     * product equals the number of values, and the total within the off-heap budget.
     * @param file     the file the values were read from (named by every later error)
     * @param metadata as a safetensors header's {@code __metadata__}
     * @param tensors  by name, in file order; the values are copied
     * @throws ModelFileException if the framing is invalid
     */
    public static SafeTensorsFile of(Path file, Map<String, String> metadata, Map<String, Values> tensors) throws ModelFileException {
        if (tensors.size() > SafeTensorsHeader.MAX_TENSORS || metadata.size() > SafeTensorsHeader.MAX_METADATA_ENTRIES) {
            throw new ModelFileException(file, "has " + tensors.size() + " tensors and " + metadata.size() + " metadata entries; at most "
                    + SafeTensorsHeader.MAX_TENSORS + " and " + SafeTensorsHeader.MAX_METADATA_ENTRIES + " are read");
        }
        Map<String, SafeTensorsHeader.Entry> entries = new java.util.LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<String, Values> t : tensors.entrySet()) {
            String name = t.getKey();
            int[] shape = t.getValue().shape().clone();
            float[] values = t.getValue().values();
            if (shape.length < 1 || shape.length > SafeTensorsHeader.MAX_RANK) {
                throw new ModelFileException(file, "tensor '" + JsonReader.printable(name) + "' has " + shape.length
                        + " dimensions; 1.." + SafeTensorsHeader.MAX_RANK + " are supported");
            }
            long count = 1;
            for (int d : shape) {
                if (d < 0) {
                    throw new ModelFileException(file, "tensor '" + JsonReader.printable(name) + "' has a negative dimension " + d);
                }
                if (d != 0 && count > Integer.MAX_VALUE / d) {   // left to right, as the safetensors header is checked
                    throw new ModelFileException(file, "tensor '" + JsonReader.printable(name) + "' has shape " + Arrays.toString(shape)
                            + ", more than 2^31-1 elements");
                }
                count *= d;
            }
            if (count != values.length) {
                throw new ModelFileException(file, "tensor '" + JsonReader.printable(name) + "' has shape " + Arrays.toString(shape)
                        + " (" + count + " elements) but " + values.length + " values");
            }
            long bytes = count * Float.BYTES;
            entries.put(name, new SafeTensorsHeader.Entry(name, shape, total, total + bytes));
            total += bytes;
        }
        try {
            dev.panamarnn.internal.memory.OffHeap.check(total, "the tensors of " + file, "the model");
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, e.getMessage());
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment data = allocate(arena, total, file);
            for (Map.Entry<String, Values> t : tensors.entrySet()) {
                SafeTensorsHeader.Entry e = entries.get(t.getKey());
                MemorySegment.copy(t.getValue().values(), 0, data, ValueLayout.JAVA_FLOAT, e.begin(), t.getValue().values().length);
            }
            return new SafeTensorsFile(file, arena, data.asReadOnly(), SafeTensorsHeader.of(entries, metadata));
        } catch (ModelFileException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** The file this was read from. */
    public Path path() {
        return file;
    }

    /** The {@code __metadata__} entries in file order (empty if there are none). */
    public Map<String, String> metadata() {
        checkOpen();
        return header.metadata();
    }

    /** The tensor names in file order. */
    public List<String> names() {
        checkOpen();
        return List.copyOf(header.entries().keySet());
    }

    public boolean contains(String name) {
        checkOpen();
        return header.entries().containsKey(name);
    }

    /** The shape of tensor {@code name}. */
    public int[] shape(String name) throws ModelFileException {
        return entry(name).shape().clone();
    }

    /** Bytes of the data section (all tensors together). */
    public long dataBytes() {
        checkOpen();
        return data.byteSize();
    }

    /** A read-only view of tensor {@code name}, valid until this file is closed. */
    public Tensor tensor(String name) throws ModelFileException {
        SafeTensorsHeader.Entry e = entry(name);
        return Tensor.of(data.asSlice(e.begin(), e.bytes()), e.shape());
    }

    /**
     * Copies tensor {@code name} into {@code target}, which must have the same shape.
     * @throws ModelFileException if the file has no such tensor or its shape differs (expected: the target's)
     */
    public void copyInto(String name, Tensor target) throws ModelFileException {
        SafeTensorsHeader.Entry e = entry(name);
        if (!Arrays.equals(e.shape(), target.shape())) {
            throw new ModelFileException(file, "tensor '" + JsonReader.printable(name) + "' has shape " + Arrays.toString(e.shape())
                    + " in the file, expected " + Arrays.toString(target.shape()));
        }
        if (!target.isAlive()) {
            throw new IllegalStateException("target tensor " + target + " for '" + name + "' is closed");
        }
        MemorySegment.copy(data, e.begin(), target.segment(), 0, e.bytes());
    }

    /**
     * Copies several tensors at once, all-or-nothing: every name must exist with the shape of its
     * target (all problems are listed in one exception) before the first byte is copied.
     * @param targets destination tensors by name in the file, e.g. {@code slab.tensors()}
     * @throws ModelFileException naming every missing tensor and every shape mismatch; no target is changed
     */
    public void copyAllInto(Map<String, Tensor> targets) throws ModelFileException {
        checkOpen();
        List<String> missing = new java.util.ArrayList<>();
        List<String> wrongShape = new java.util.ArrayList<>();
        for (Map.Entry<String, Tensor> t : targets.entrySet()) {
            SafeTensorsHeader.Entry e = header.entries().get(t.getKey());
            if (e == null) {
                missing.add(t.getKey());
            } else if (!Arrays.equals(e.shape(), t.getValue().shape())) {
                wrongShape.add(JsonReader.printable(t.getKey()) + " is " + Arrays.toString(e.shape()) + ", expected "
                        + Arrays.toString(t.getValue().shape()));
            } else if (!t.getValue().isAlive()) {
                throw new IllegalStateException("target tensor " + t.getValue() + " for '" + t.getKey() + "' is closed");
            }
        }
        if (!missing.isEmpty() || !wrongShape.isEmpty()) {
            String problems = (missing.isEmpty() ? "" : "missing tensors " + abbreviate(missing))
                    + (!missing.isEmpty() && !wrongShape.isEmpty() ? "; " : "")
                    + (wrongShape.isEmpty() ? "" : "wrong shapes: " + String.join("; ", wrongShape.subList(0, Math.min(20, wrongShape.size()))));
            throw new ModelFileException(file, problems);
        }
        for (Map.Entry<String, Tensor> t : targets.entrySet()) {
            SafeTensorsHeader.Entry e = header.entries().get(t.getKey());
            MemorySegment.copy(data, e.begin(), t.getValue().segment(), 0, e.bytes());
        }
    }

    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Frees the tensor data; idempotent. Views handed out before become unusable. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafeTensorsFile[" + file + ", " + header.entries().size() + " tensors, " + data.byteSize() + " bytes]";
    }

    /** The entries in file order (for {@link ModelFile}); checks the file is open. */
    Map<String, SafeTensorsHeader.Entry> entries() {
        checkOpen();
        return header.entries();
    }

    private SafeTensorsHeader.Entry entry(String name) throws ModelFileException {
        checkOpen();
        SafeTensorsHeader.Entry e = header.entries().get(name);
        if (e == null) {
            throw new ModelFileException(file, "has no tensor '" + JsonReader.printable(String.valueOf(name)) + "'; it has "
                    + abbreviate(header.entries().keySet()));
        }
        return e;
    }

    private void checkOpen() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("safetensors file " + file + " is closed");
        }
    }

    /** Up to 20 names for an error message. */
    static String abbreviate(java.util.Collection<String> names) {
        StringBuilder sb = new StringBuilder("[");
        int n = 0;
        for (String name : names) {
            if (n == 20) {
                sb.append(", ... (").append(names.size()).append(" in all)");
                break;
            }
            sb.append(n++ == 0 ? "" : ", ").append(JsonReader.printable(name));
        }
        return sb.append(']').toString();
    }

    private static MemorySegment allocate(Arena arena, long bytes, Path file) throws ModelFileException {
        try {
            return arena.allocate(Math.max(bytes, 1), 64).asSlice(0, bytes);
        } catch (OutOfMemoryError e) {
            // one large off-heap request failed; nothing else was disturbed, so this is safe to report
            throw new ModelFileException(file, "cannot allocate " + bytes + " bytes of memory for its tensor data", e);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path file, long size, String what)
            throws IOException {
        long start = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new ModelFileException(file, "file ended at byte " + position + " while reading the " + what + " (bytes "
                        + start + ".." + (start + buffer.limit()) + "); it was " + size + " bytes when opened — changed while being read?");
            }
            position += n;
        }
    }

    private static void readFully(FileChannel channel, MemorySegment target, long position, Path file, long size, String what)
            throws IOException {
        final long chunk = 1L << 30;   // a ByteBuffer holds at most 2^31-1 bytes
        for (long done = 0; done < target.byteSize(); done += chunk) {
            long n = Math.min(chunk, target.byteSize() - done);
            readFully(channel, target.asSlice(done, n).asByteBuffer(), position + done, file, size, what);
        }
    }

    /** The file is little-endian; on a big-endian machine swap each 4-byte element in place. */
    private static void toNativeOrder(MemorySegment data) {
        for (long i = 0; i < data.byteSize(); i += Float.BYTES) {
            data.set(ValueLayout.JAVA_INT, i, Integer.reverseBytes(data.get(ValueLayout.JAVA_INT, i)));
        }
    }
}
