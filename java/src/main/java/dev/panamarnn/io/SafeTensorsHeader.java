package dev.panamarnn.io;

import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a safetensors file, parsed and validated against the size of the data section
 * that follows it. What is checked, in this order (the first problem found is reported):
 * <ul>
 *   <li>strict JSON ({@link JsonReader}): an object whose keys are tensor names and, at most once,
 *       {@code __metadata__} — an object of string values;</li>
 *   <li>every tensor is exactly {@code {"dtype": "F32", "shape": [d0, ...], "data_offsets": [begin, end]}}
 *       (no other key, none missing, no duplicate): dtype F32 only; 1..{@link #MAX_RANK}
 *       dimensions, each in [0, 2^31-1]; 0 <= begin <= end <= size of the data section; the
 *       element count times 4 equals end - begin, computed without overflow (the dimensions are
 *       multiplied left to right, as {@link Tensor#elementCount} does, so a 0 after dimensions
 *       whose product overflows is refused too);</li>
 *   <li>no tensor name twice; at most {@link #MAX_TENSORS} tensors and {@link #MAX_METADATA_ENTRIES}
 *       metadata entries (so a hostile header cannot make the parser hold millions of objects);</li>
 *   <li>the tensors tile the data section: sorted by offset, each starts where the previous ended,
 *       the first at 0 and the last ends at the end of the file — no overlap, no gap, no trailing
 *       bytes (the rule of the reference implementation). It also makes every tensor 4-byte aligned.</li>
 * </ul>
 * Scalars (shape []) are rejected: the library's tensors have at least one dimension.
 */
final class SafeTensorsHeader {
    /** The largest header accepted, in bytes (the reference implementation's limit). */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    /** The most tensors a file may hold. */
    static final int MAX_TENSORS = 100_000;
    /** The most metadata entries a file may hold. */
    static final int MAX_METADATA_ENTRIES = 100_000;
    /** The most dimensions a tensor may have. */
    static final int MAX_RANK = 16;

    static final String METADATA_KEY = "__metadata__";
    static final String F32 = "F32";

    /** One tensor: its name, shape and byte range [begin, end) in the data section. */
    record Entry(String name, int[] shape, long begin, long end) {
        long bytes() {
            return end - begin;
        }

        @Override
        public String toString() {
            return "'" + JsonReader.printable(name) + "' " + Arrays.toString(shape) + " at [" + begin + ", " + end + ")";
        }
    }

    private final Map<String, Entry> entries;     // header order
    private final Map<String, String> metadata;   // header order

    private SafeTensorsHeader(Map<String, Entry> entries, Map<String, String> metadata) {
        this.entries = Collections.unmodifiableMap(entries);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    Map<String, Entry> entries() {
        return entries;
    }

    Map<String, String> metadata() {
        return metadata;
    }

    /**
     * A header for tensors that come from elsewhere (another format read by a {@link ModelFormat}):
     * {@code entries} already tile a data section in order; checked by {@link SafeTensorsFile#of}.
     */
    static SafeTensorsHeader of(Map<String, Entry> entries, Map<String, String> metadata) {
        return new SafeTensorsHeader(new LinkedHashMap<>(entries), new LinkedHashMap<>(metadata));
    }

    /** Parses and validates {@code json}, the header of {@code file}, whose data section has {@code dataBytes} bytes. */
    static SafeTensorsHeader parse(MemorySegment json, long dataBytes, Path file) throws ModelFileException {
        return new Parser(new JsonReader(json), dataBytes, file).header();
    }

    /** Schema-aware parse on top of the JSON pull reader; never builds a generic tree. */
    private static final class Parser {
        private final JsonReader r;
        private final long dataBytes;
        private final Path file;

        Parser(JsonReader r, long dataBytes, Path file) {
            this.r = r;
            this.dataBytes = dataBytes;
            this.file = file;
        }

        SafeTensorsHeader header() throws ModelFileException {
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = null;
            try {
                expect(JsonReader.Kind.OBJECT, "the header");
                r.beginObject();
                while (r.hasNext()) {
                    long at = r.position();
                    String name = r.nextName();
                    if (name.equals(METADATA_KEY)) {
                        if (metadata != null) {
                            throw fail(at, "duplicate key " + METADATA_KEY);
                        }
                        metadata = metadata();
                    } else {
                        if (entries.containsKey(name)) {
                            throw fail(at, "duplicate tensor name '" + JsonReader.printable(name) + "'");
                        }
                        if (entries.size() == MAX_TENSORS) {
                            throw fail(at, "more than " + MAX_TENSORS + " tensors");
                        }
                        entries.put(name, entry(name, at));
                    }
                }
                r.endObject();
                r.endDocument();
            } catch (JsonFormatException e) {
                throw new ModelFileException(file, "header is not valid JSON: " + e.getMessage(), null);
            }
            checkTiling(entries.values());
            return new SafeTensorsHeader(entries, metadata == null ? new LinkedHashMap<>() : metadata);
        }

        private Map<String, String> metadata() throws JsonFormatException, ModelFileException {
            expect(JsonReader.Kind.OBJECT, METADATA_KEY);
            Map<String, String> map = new LinkedHashMap<>();
            r.beginObject();
            while (r.hasNext()) {
                long at = r.position();
                String key = r.nextName();
                if (map.containsKey(key)) {
                    throw fail(at, "duplicate metadata key '" + JsonReader.printable(key) + "'");
                }
                if (map.size() == MAX_METADATA_ENTRIES) {
                    throw fail(at, "more than " + MAX_METADATA_ENTRIES + " metadata entries");
                }
                expect(JsonReader.Kind.STRING, "metadata '" + JsonReader.printable(key) + "'");
                map.put(key, r.nextString());
            }
            r.endObject();
            return map;
        }

        private Entry entry(String name, long at) throws JsonFormatException, ModelFileException {
            String what = "tensor '" + JsonReader.printable(name) + "'";
            expect(JsonReader.Kind.OBJECT, what);
            String dtype = null;
            int[] shape = null;
            long[] offsets = null;
            r.beginObject();
            while (r.hasNext()) {
                long keyAt = r.position();
                String key = r.nextName();
                boolean seen = switch (key) {
                    case "dtype" -> dtype != null;
                    case "shape" -> shape != null;
                    case "data_offsets" -> offsets != null;
                    default -> throw fail(keyAt, what + " has an unexpected key '" + JsonReader.printable(key)
                            + "' (expected dtype, shape, data_offsets)");
                };
                if (seen) {
                    throw fail(keyAt, what + " has the key '" + key + "' twice");
                }
                switch (key) {
                    case "dtype" -> {
                        expect(JsonReader.Kind.STRING, what + " dtype");
                        dtype = r.nextString();
                    }
                    case "shape" -> shape = shape(what);
                    default -> offsets = offsets(what);
                }
            }
            r.endObject();
            if (dtype == null || shape == null || offsets == null) {
                throw fail(at, what + " has no '" + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets") + "'");
            }
            if (!dtype.equals(F32)) {
                throw fail(at, what + " has dtype " + JsonReader.printable(dtype) + "; only F32 is supported (export float32 tensors)");
            }
            if (shape.length == 0) {
                throw fail(at, what + " has shape []: scalars are not supported (store it with shape [1])");
            }
            long begin = offsets[0], end = offsets[1];
            String range = "data_offsets [" + begin + ", " + end + "]";
            if (begin < 0 || end < begin) {
                throw fail(at, what + " has " + range + ": expected 0 <= begin <= end");
            }
            if (end > dataBytes) {
                throw fail(at, what + " has " + range + " beyond the end of the " + dataBytes
                        + "-byte data section (is the file truncated?)");
            }
            long elements = elementCount(shape);
            if (elements < 0) {
                throw fail(at, what + " has shape " + Arrays.toString(shape) + " with more elements than any file can hold");
            }
            if (elements * Float.BYTES != end - begin) {
                throw fail(at, what + " has shape " + Arrays.toString(shape) + ": " + elements + " F32 values need "
                        + elements * Float.BYTES + " bytes, but " + range + " span " + (end - begin) + " bytes");
            }
            return new Entry(name, shape, begin, end);
        }

        /**
         * The product of the dimensions, or -1 if it cannot be a {@link Tensor}: the count is taken as
         * {@link Tensor#elementCount} takes it, left to right, and must not overflow a long on the way
         * nor as a byte count. A zero dimension after huge ones ([2^31-1, 2^31-1, 2^31-1, 0]) is
         * refused: it once passed here and made {@code tensor(name)} throw.
         */
        private static long elementCount(int[] shape) {
            try {
                return Tensor.elementCount(shape);
            } catch (IllegalArgumentException e) {
                return -1;
            }
        }

        private int[] shape(String what) throws JsonFormatException, ModelFileException {
            expect(JsonReader.Kind.ARRAY, what + " shape");
            int[] dims = new int[MAX_RANK];
            int rank = 0;
            r.beginArray();
            while (r.hasNext()) {
                long at = r.position();
                if (rank == MAX_RANK) {
                    throw fail(at, what + " has more than " + MAX_RANK + " dimensions");
                }
                expect(JsonReader.Kind.INTEGER, what + " shape");
                long d = r.nextLong();
                if (d < 0 || d > Integer.MAX_VALUE) {
                    throw fail(at, what + " has dimension " + d + " in its shape; expected 0 <= d <= " + Integer.MAX_VALUE);
                }
                dims[rank++] = (int) d;
            }
            r.endArray();
            return Arrays.copyOf(dims, rank);
        }

        private long[] offsets(String what) throws JsonFormatException, ModelFileException {
            expect(JsonReader.Kind.ARRAY, what + " data_offsets");
            long at = r.position();
            long[] offsets = new long[2];
            int n = 0;
            r.beginArray();
            while (r.hasNext()) {
                if (n == 2) {
                    throw fail(at, what + " data_offsets has more than 2 values; expected [begin, end]");
                }
                expect(JsonReader.Kind.INTEGER, what + " data_offsets");
                offsets[n++] = r.nextLong();
            }
            r.endArray();
            if (n != 2) {
                throw fail(at, what + " data_offsets has " + n + " value" + (n == 1 ? "" : "s") + "; expected [begin, end]");
            }
            return offsets;
        }

        /** Sorted by offset, the tensors must cover [0, dataBytes) exactly once. */
        private void checkTiling(java.util.Collection<Entry> all) throws ModelFileException {
            List<Entry> sorted = new ArrayList<>(all);
            sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
            long covered = 0;
            Entry previous = null;
            for (Entry e : sorted) {
                if (e.begin() < covered) {
                    throw fail(-1, "tensors " + previous + " and " + e + " overlap in the data section");
                }
                if (e.begin() > covered) {
                    throw fail(-1, "bytes [" + covered + ", " + e.begin() + ") of the data section belong to no tensor (the next is "
                            + e + ")");
                }
                covered = e.end();
                previous = e;
            }
            if (covered != dataBytes) {
                throw fail(-1, "the data section has " + dataBytes + " bytes but the tensors cover only the first " + covered
                        + "; the last " + (dataBytes - covered) + " bytes belong to no tensor");
            }
        }

        private void expect(JsonReader.Kind kind, String what) throws JsonFormatException, ModelFileException {
            long at = r.position();
            JsonReader.Kind actual = r.peek();
            if (actual != kind) {
                throw fail(at, what + " must be " + article(kind) + ", found " + article(actual));
            }
        }

        private ModelFileException fail(long at, String problem) {
            return new ModelFileException(file, at < 0 ? problem : problem + " (at header byte " + at + ")");
        }

        private static String article(JsonReader.Kind kind) {
            return switch (kind) {
                case OBJECT -> "an object";
                case ARRAY -> "an array";
                case STRING -> "a string";
                case INTEGER -> "an integer";
            };
        }
    }
}
