package dev.panamarnn.io;

import dev.panamarnn.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The safetensors format (https://github.com/huggingface/safetensors), F32 only:
 * <pre>
 *   8 bytes      N, the header length, unsigned little-endian
 *   N bytes      UTF-8 JSON: {"__metadata__": {"key": "value", ...},
 *                             "name": {"dtype": "F32", "shape": [d0, ...], "data_offsets": [begin, end]}, ...}
 *   the rest     the data section: each tensor's row-major float32 values, little-endian, at
 *                [begin, end) relative to the start of the data section
 * </pre>
 * {@link #write} packs the tensors in map order with no gaps and pads the header with spaces to a
 * multiple of 8 bytes (as the reference writer does). {@link #read} validates everything before
 * returning (see {@link SafeTensorsHeader} for the list) and throws {@link ModelFileException}
 * naming the file and the problem; reading files of other tools works as long as they are F32.
 */
public final class SafeTensors {
    private SafeTensors() {}

    /**
     * Reads and validates a safetensors file into off-heap memory owned by the returned object.
     * @throws ModelFileException for a missing, unreadable, truncated, malformed or non-F32 file
     */
    public static SafeTensorsFile read(Path file) throws ModelFileException {
        Objects.requireNonNull(file, "file");
        return SafeTensorsFile.open(file);
    }

    /**
     * Writes {@code tensors} (in map order, e.g. a {@link java.util.LinkedHashMap} or
     * {@code slab.tensors()}) and {@code metadata} to {@code file} atomically: the previous file,
     * if any, is replaced whole or — on any failure, disk full included — left untouched, and no
     * temporary file stays behind. Off-heap tensors are written straight from their memory.
     * @throws IllegalArgumentException for an empty or reserved ({@code __metadata__}) name, or a
     *         name or metadata string that has no UTF-8 form (unpaired surrogate)
     * @throws IllegalStateException if a tensor's memory is closed
     * @throws ModelFileException if the file cannot be written (the message says why)
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws ModelFileException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(metadata, "metadata");
        List<MemorySegment> segments = new ArrayList<>(tensors.size());
        byte[] header = header(tensors, metadata, segments);
        AtomicFile.write(file, out -> {
            ByteBuffer prefix = ByteBuffer.allocate(SafeTensorsFile.PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(0, header.length);
            writeFully(out, prefix);
            writeFully(out, ByteBuffer.wrap(header));
            for (MemorySegment segment : segments) {
                writeFloats(out, segment);
            }
        });
    }

    /** The header JSON, padded with spaces so that the data section starts at a multiple of 8. */
    private static byte[] header(Map<String, Tensor> tensors, Map<String, String> metadata, List<MemorySegment> segments) {
        JsonWriter json = new JsonWriter().beginObject();
        if (!metadata.isEmpty()) {
            json.name(SafeTensorsHeader.METADATA_KEY).beginObject();
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                json.name(Objects.requireNonNull(e.getKey(), "metadata key"))
                    .value(Objects.requireNonNull(e.getValue(), () -> "metadata value of '" + e.getKey() + "'"));
            }
            json.endObject();
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = Objects.requireNonNull(e.getKey(), "tensor name");
            Tensor t = Objects.requireNonNull(e.getValue(), () -> "tensor '" + name + "'");
            if (name.isEmpty() || name.equals(SafeTensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("'" + name + "' cannot be a tensor name");
            }
            if (!t.isAlive()) {
                throw new IllegalStateException("tensor '" + name + "' " + Arrays.toString(t.shape()) + " is closed");
            }
            long bytes = t.size() * Float.BYTES;
            json.name(name).beginObject()
                .name("dtype").value(SafeTensorsHeader.F32)
                .name("shape").beginArray();
            for (int d : t.shape()) {
                json.value(d);
            }
            json.endArray()
                .name("data_offsets").beginArray().value(offset).value(offset + bytes).endArray()
                .endObject();
            offset = Math.addExact(offset, bytes);
            segments.add(t.segment());
        }
        byte[] text = json.endObject().toUtf8();
        int padded = (text.length + 7) / 8 * 8;   // 8 + padded is a multiple of 8
        if (padded > SafeTensorsHeader.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("the header would be " + padded + " bytes; readers accept at most "
                    + SafeTensorsHeader.MAX_HEADER_BYTES + " (too many tensors or too much metadata)");
        }
        byte[] header = Arrays.copyOf(text, padded);
        Arrays.fill(header, text.length, padded, (byte) ' ');
        return header;
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    /**
     * Writes a segment of floats little-endian. An off-heap segment on a little-endian machine is
     * written directly from its memory (no copy); anything else (a heap float[], a big-endian
     * machine) goes through a 64 KiB staging buffer, converting each element's byte order.
     */
    private static void writeFloats(WritableByteChannel out, MemorySegment segment) throws IOException {
        final long chunk = 1L << 30;   // a ByteBuffer holds at most 2^31-1 bytes
        if (segment.isNative() && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            for (long done = 0; done < segment.byteSize(); done += chunk) {
                writeFully(out, segment.asSlice(done, Math.min(chunk, segment.byteSize() - done)).asByteBuffer());
            }
            return;
        }
        final int staging = 1 << 16;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(staging, 64);
            ValueLayout.OfFloat littleEndian = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (long done = 0; done < segment.byteSize(); done += staging) {
                long n = Math.min(staging, segment.byteSize() - done);
                MemorySegment.copy(segment, ValueLayout.JAVA_FLOAT_UNALIGNED, done, buffer, littleEndian, 0, n / Float.BYTES);
                writeFully(out, buffer.asSlice(0, n).asByteBuffer());
            }
        }
    }

    /** The UTF-8 bytes of a header as {@link #write} produces it (for tests). */
    static byte[] headerBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        return header(tensors, metadata, new ArrayList<>());
    }
}
