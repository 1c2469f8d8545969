package dev.panamarnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing and reading safetensors files: exact round trips, the byte layout, argument checks, views. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    static Tensor random(Arena arena, SplittableRandom r, int... shape) {
        Tensor t = Tensor.allocate(arena, shape);
        for (long i = 0; i < t.size(); i++) {
            t.set(i, (float) r.nextGaussian());
        }
        return t;
    }

    @Test
    void roundTripGivesIdenticalValuesShapesOrderAndMetadata() throws Exception {
        SplittableRandom r = new SplittableRandom(1);
        Path file = dir.resolve("m.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("z.last_name_first", random(arena, r, 3, 5));
            tensors.put("weight_ih_l0", random(arena, r, 8, 3));
            tensors.put("empty", Tensor.allocate(arena, 0, 4));
            tensors.put("vector", random(arena, r, 7));
            tensors.put("rank4", random(arena, r, 2, 1, 3, 2));
            tensors.put("\u00fcnicode \"quoted\" \\ \n \uD83D\uDE00", random(arena, r, 1));
            Tensor special = Tensor.allocate(arena, 6).copyFrom(new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0f,
                    Float.MIN_VALUE, Float.MAX_VALUE, Float.intBitsToFloat(0x7fc00123)});
            tensors.put("special", special);
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("cell", "lstm");
            metadata.put("vocabulary", "\u0000\u0001\t\n abc \u00e9\u20ac\uD83D\uDE00 \"\\");
            metadata.put("", "");
            SafeTensors.write(file, tensors, metadata);

            try (SafeTensorsFile f = SafeTensors.read(file)) {
                assertEquals(List.copyOf(tensors.keySet()), f.names());
                assertEquals(metadata, f.metadata());
                assertEquals(List.copyOf(metadata.keySet()), List.copyOf(f.metadata().keySet()));
                long bytes = 0;
                for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                    Tensor back = f.tensor(e.getKey());
                    assertArrayEquals(e.getValue().shape(), back.shape(), e.getKey());
                    assertArrayEquals(e.getValue().segment().toArray(java.lang.foreign.ValueLayout.JAVA_INT),
                            back.segment().toArray(java.lang.foreign.ValueLayout.JAVA_INT), e.getKey() + " bit pattern");
                    assertArrayEquals(e.getValue().shape(), f.shape(e.getKey()));
                    bytes += e.getValue().size() * 4;
                }
                assertEquals(bytes, f.dataBytes());
            }
        }
    }

    @Test
    void byteLayoutIsTheSafetensorsFormat() throws Exception {
        Path file = dir.resolve("layout.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("a", Tensor.allocate(arena, 2).copyFrom(new float[] {1.5f, -2f}));
            tensors.put("b", Tensor.allocate(arena, 1, 1).copyFrom(new float[] {3f}));
            SafeTensors.write(file, tensors, Map.of("k", "v"));
        }
        byte[] b = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8, "data section 8-byte aligned");
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals("{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[8,12]}}", header.stripTrailing());
        assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(c -> c == ' '), "padded with spaces");
        ByteBuffer data = ByteBuffer.wrap(b, (int) (8 + n), 12).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1.5f, data.getFloat());
        assertEquals(-2f, data.getFloat());
        assertEquals(3f, data.getFloat());
        assertEquals(8 + n + 12, b.length);
    }

    /** Slab tensors are written straight from off-heap memory; heap tensors through the staging path: same bytes. */
    @Test
    void slabAndHeapTensorsGiveTheSameBytes() throws Exception {
        Slab.Layout layout = Slab.Layout.builder().add("w", 33, 17).add("b", 33).add("big", 70_000).build();
        Path fromSlab = dir.resolve("slab.safetensors");
        Path fromHeap = dir.resolve("heap.safetensors");
        SplittableRandom r = new SplittableRandom(3);
        try (Slab slab = Slab.allocate("test", layout)) {
            Map<String, Tensor> heap = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : slab.tensors().entrySet()) {
                Tensor t = e.getValue();
                float[] values = new float[(int) t.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) r.nextGaussian();
                }
                t.copyFrom(values);
                heap.put(e.getKey(), Tensor.of(MemorySegment.ofArray(values.clone()), t.shape()));
            }
            SafeTensors.write(fromSlab, slab.tensors(), Map.of());
            SafeTensors.write(fromHeap, heap, Map.of());
            assertArrayEquals(Files.readAllBytes(fromSlab), Files.readAllBytes(fromHeap));
            try (SafeTensorsFile f = SafeTensors.read(fromSlab); Slab back = Slab.allocate("back", layout)) {
                for (String name : f.names()) {
                    f.copyInto(name, back.get(name));
                    assertArrayEquals(slab.get(name).toArray(), back.get(name).toArray(), name);
                }
            }
        }
    }

    @Test
    void emptyFileRoundTrips() throws Exception {
        Path file = dir.resolve("empty.safetensors");
        SafeTensors.write(file, Map.of(), Map.of());
        assertEquals("{}      ", SafeTensorsBytes.headerText(Files.readAllBytes(file)));
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            assertEquals(List.of(), f.names());
            assertEquals(Map.of(), f.metadata());
            assertEquals(0, f.dataBytes());
        }
    }

    @Test
    void readsAFileWithAnUnpaddedHeaderAndUnsortedOffsets() throws Exception {
        // a header of odd length (data section not aligned in the file) and entries not in offset order
        String header = "{\"b\":{\"data_offsets\":[8,12],\"shape\":[1],\"dtype\":\"F32\"}, \"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        assertEquals(1, header.length() % 2);
        Path file = dir.resolve("odd.safetensors");
        Files.write(file, SafeTensorsBytes.file(header, SafeTensorsBytes.floats(1, 2, 3)));
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            assertEquals(List.of("b", "a"), f.names());
            assertArrayEquals(new float[] {1, 2}, f.tensor("a").toArray());
            assertArrayEquals(new float[] {3}, f.tensor("b").toArray());
        }
    }

    @Test
    void viewsAreReadOnlyAndDieWithTheFile() throws Exception {
        Path file = dir.resolve("v.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            SafeTensors.write(file, Map.of("t", Tensor.allocate(arena, 2, 2)), Map.of("k", "v"));
        }
        SafeTensorsFile f = SafeTensors.read(file);
        Tensor t = f.tensor("t");
        assertThrows(IllegalArgumentException.class, () -> t.set(0, 1f));   // JDK 25: "Attempt to write a read-only segment"
        assertTrue(f.isOpen());
        f.close();
        f.close();   // idempotent
        assertFalse(f.isOpen());
        assertThrows(IllegalStateException.class, () -> t.get(0));
        assertThrows(IllegalStateException.class, f::names);
        assertThrows(IllegalStateException.class, f::metadata);
        assertThrows(IllegalStateException.class, () -> f.tensor("t"));
    }

    @Test
    void unknownNamesAndShapeMismatchesAreModelFileExceptions() throws Exception {
        Path file = dir.resolve("s.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            SafeTensors.write(file, Map.of("weight", Tensor.allocate(arena, 4, 3)), Map.of());
            try (SafeTensorsFile f = SafeTensors.read(file)) {
                ModelFileException unknown = assertThrows(ModelFileException.class, () -> f.tensor("bias"));
                assertEquals("model file " + file + ": has no tensor 'bias'; it has [weight]", unknown.getMessage());
                ModelFileException shape = assertThrows(ModelFileException.class, () -> f.copyInto("weight", Tensor.allocate(arena, 3, 4)));
                assertEquals("model file " + file + ": tensor 'weight' has shape [4, 3] in the file, expected [3, 4]", shape.getMessage());
                assertFalse(f.contains("bias"));
                assertTrue(f.contains("weight"));
            }
        }
    }

    @Test
    void writeArgumentsAreChecked() throws Exception {
        Path file = dir.resolve("args.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, 1);
            assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("__metadata__", t), Map.of()));
            assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("", t), Map.of()));
            assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("a\uD800", t), Map.of()));
            assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("a", t), Map.of("k", "\uDC00")));
            assertThrows(NullPointerException.class, () -> SafeTensors.write(file, null, Map.of()));
            Map<String, String> nullValue = new LinkedHashMap<>();
            nullValue.put("k", null);
            assertThrows(NullPointerException.class, () -> SafeTensors.write(file, Map.of("a", t), nullValue));
        }
        Tensor closed;
        try (Arena arena = Arena.ofConfined()) {
            closed = Tensor.allocate(arena, 1);
        }
        assertThrows(IllegalStateException.class, () -> SafeTensors.write(file, Map.of("a", closed), Map.of()));
        assertFalse(Files.exists(file), "no file after rejected arguments");
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "no temporary file either");
        }
    }

    @Test
    void overwritingReplacesTheWholeFile() throws Exception {
        Path file = dir.resolve("o.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            SafeTensors.write(file, Map.of("big", Tensor.allocate(arena, 10_000)), Map.of("v", "1"));
            SafeTensors.write(file, Map.of("small", Tensor.allocate(arena, 2).copyFrom(new float[] {4, 5})), Map.of("v", "2"));
        }
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            assertEquals(List.of("small"), f.names());
            assertEquals("2", f.metadata().get("v"));
            assertArrayEquals(new float[] {4, 5}, f.tensor("small").toArray());
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void copyAllIntoIsAllOrNothing() throws Exception {
        Path file = dir.resolve("all.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> saved = new LinkedHashMap<>();
            saved.put("a", Tensor.allocate(arena, 2).copyFrom(new float[] {1, 2}));
            saved.put("b", Tensor.allocate(arena, 1, 2).copyFrom(new float[] {3, 4}));
            SafeTensors.write(file, saved, Map.of());
            try (SafeTensorsFile f = SafeTensors.read(file)) {
                Map<String, Tensor> targets = new LinkedHashMap<>();
                targets.put("a", Tensor.allocate(arena, 2));
                targets.put("b", Tensor.allocate(arena, 2, 1));
                targets.put("c", Tensor.allocate(arena, 1));
                ModelFileException e = assertThrows(ModelFileException.class, () -> f.copyAllInto(targets));
                assertEquals("model file " + file + ": missing tensors [c]; wrong shapes: b is [1, 2], expected [2, 1]", e.getMessage());
                assertArrayEquals(new float[] {0, 0}, targets.get("a").toArray(), "nothing copied");
                Map<String, Tensor> good = Map.of("a", targets.get("a"), "b", Tensor.allocate(arena, 1, 2));
                f.copyAllInto(good);
                assertArrayEquals(new float[] {1, 2}, good.get("a").toArray());
                assertArrayEquals(new float[] {3, 4}, good.get("b").toArray());
            }
        }
    }

    /** The limits that keep a hostile header from holding the parser's memory hostage. */
    @Test
    void tooManyTensorsOrMetadataEntriesAreRejected() throws Exception {
        Path file = dir.resolve("many.safetensors");
        StringBuilder h = new StringBuilder("{");
        for (int i = 0; i <= SafeTensorsHeader.MAX_TENSORS; i++) {
            h.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        }
        Files.write(file, SafeTensorsBytes.file(h.append('}').toString(), new byte[0]));
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(file));
        assertTrue(e.getMessage().contains("more than 100000 tensors"), e.getMessage());

        StringBuilder m = new StringBuilder("{\"__metadata__\":{");
        for (int i = 0; i <= SafeTensorsHeader.MAX_METADATA_ENTRIES; i++) {
            m.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"\"");
        }
        Files.write(file, SafeTensorsBytes.file(m.append("}}").toString(), new byte[0]));
        ModelFileException me = assertThrows(ModelFileException.class, () -> SafeTensors.read(file));
        assertTrue(me.getMessage().contains("more than 100000 metadata entries"), me.getMessage());
    }

    /** Exactly at the limits and with a large metadata value (10 MB, e.g. a word vocabulary): accepted. */
    @Test
    void largeButValidHeadersAreAccepted() throws Exception {
        Path file = dir.resolve("large.safetensors");
        StringBuilder h = new StringBuilder("{");
        for (int i = 0; i < SafeTensorsHeader.MAX_TENSORS; i++) {
            h.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        }
        String big = "w\u00e9rd ".repeat(2_000_000);
        h.append(",\"__metadata__\":{\"vocabulary\":\"").append(big).append("\"}}");
        Files.write(file, SafeTensorsBytes.file(h.toString(), new byte[0]));
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            assertEquals(SafeTensorsHeader.MAX_TENSORS, f.names().size());
            assertEquals(big, f.metadata().get("vocabulary"));
        }
    }

    @Test
    void aVeryLongFileNameStillGetsATemporaryFile() throws Exception {
        Path file = dir.resolve("m".repeat(240) + ".safetensors");   // 252 characters: the target fits NAME_MAX, an untruncated temp name would not
        SafeTensors.write(file, Map.of(), Map.of("k", "v"));
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            assertEquals("v", f.metadata().get("k"));
        }
    }
}
