package dev.panamarnn.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.seq2seq.Seq2Seq;
import dev.panamarnn.seq2seq.Seq2SeqConfig;
import dev.panamarnn.seq2seq.Seq2SeqFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The committed seed corpus of the fuzz tests, src/test/resources/dev/panamarnn/fuzz/
 * {@code <Class>Inputs/<method>/}: Jazzer runs every file there as a regression test (and starts
 * fuzzing from them). Seeds are named {@code seed-*}; inputs that once crashed a parser are
 * {@code crash-*} (written by Jazzer, kept as regression tests, listed in docs/fuzzing.md).
 *
 * <p>{@link #everyFuzzTestHasSeeds} fails when a fuzz test's directory is missing or empty (the
 * regression run would then test nothing). To regenerate the seeds after a format change, run
 * this class with {@code -Drnn.fuzz.writeSeeds=<absolute path of java/src/test/resources>}.
 */
class SeedCorpusTest {
    static final List<Class<?>> FUZZ_TESTS = List.of(RawModelFileFuzzTest.class, ModelFileHeaderFuzzTest.class, SnapshotFuzzTest.class,
            CsvFuzzTest.class, TextFuzzTest.class, VocabularyFuzzTest.class, Seq2SeqFileFuzzTest.class);

    @Test
    void everyFuzzTestHasSeeds() throws IOException, URISyntaxException {
        for (Class<?> c : FUZZ_TESTS) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(FuzzTest.class)) {
                    String dir = c.getSimpleName() + "Inputs/" + m.getName();
                    var url = c.getResource(dir);
                    assertTrue(url != null, "no seed directory " + dir + " next to " + c.getName());
                    try (Stream<Path> seeds = Files.list(Path.of(url.toURI()))) {
                        long n = seeds.filter(p -> p.getFileName().toString().startsWith("seed-")).count();
                        assertTrue(n >= 3, dir + " has " + n + " seed-* files; expected at least 3");
                    }
                }
            }
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "rnn.fuzz.writeSeeds", matches = ".+")
    void writeSeeds() throws Exception {
        Path root = Path.of(System.getProperty("rnn.fuzz.writeSeeds")).resolve("dev/panamarnn/fuzz");
        modelFileSeeds(root.resolve("RawModelFileFuzzTestInputs/fuzz"), root.resolve("ModelFileHeaderFuzzTestInputs/fuzz"));
        snapshotSeeds(root.resolve("SnapshotFuzzTestInputs/fuzz"));
        dataSeeds(root.resolve("CsvFuzzTestInputs/fuzz"), root.resolve("TextFuzzTestInputs/fuzz"), root.resolve("VocabularyFuzzTestInputs/fuzz"));
        seq2seqSeeds(root.resolve("Seq2SeqFileFuzzTestInputs/fuzz"));
    }

    /** Three small seq2seq models as Seq2SeqFile writes them: a bidirectional 2-layer LSTM, a GRU, a tanh RNN. */
    private static void seq2seqSeeds(Path dir) throws Exception {
        Seq2SeqConfig[] configs = {new Seq2SeqConfig(CellType.LSTM, 5, 6, 3, 2, 2, true, 1, 2, 7),
                new Seq2SeqConfig(CellType.GRU, 4, 5, 2, 3, 1, false, 0, 4, 8),
                new Seq2SeqConfig(CellType.RNN_TANH, 3, 4, 2, 2, 1, true, 1, 1, 9)};
        Path scratch = Files.createTempFile("seq2seq-seed", ".safetensors");
        try {
            for (Seq2SeqConfig config : configs) {
                try (Seq2Seq model = Seq2Seq.create(config, KernelSelection.java())) {
                    Seq2SeqFile.save(scratch, model, Map.of());
                }
                write(dir.resolve("seed-" + config.cell().id() + (config.bidirectional() ? "-bi" : "") + "-l" + config.layers()),
                        Files.readAllBytes(scratch));
            }
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    // ---- model files ----

    /** The PyTorch exports and the corrupt cases of src/test/resources/modelfiles, and files the library writes. */
    private static void modelFileSeeds(Path raw, Path framed) throws Exception {
        Path modelfiles = Path.of(SeedCorpusTest.class.getResource("/modelfiles").toURI());
        for (Path source : List.of(modelfiles, modelfiles.resolve("corrupt"))) {
            try (Stream<Path> files = Files.list(source)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList()) {
                    String name = "seed-" + (source.equals(modelfiles) ? "pytorch-" : "corrupt-")
                            + f.getFileName().toString().replace(".safetensors", "");
                    byte[] bytes = Files.readAllBytes(f);
                    write(raw.resolve(name), bytes);
                    write(framed.resolve(name), unframe(bytes));
                }
            }
        }
        for (Map.Entry<String, String> crafted : CRAFTED_HEADERS.entrySet()) {
            byte[] header = utf8(crafted.getValue());
            byte[] file = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).put(header).array();
            write(raw.resolve("seed-" + crafted.getKey()), file);
            write(framed.resolve("seed-" + crafted.getKey()), unframe(file));
        }
        Path tmp = Files.createTempFile("seed", ".safetensors");
        try {
            int n = 0;
            for (RnnConfig config : List.of(
                    RnnConfig.builder(CellType.LSTM, 2, 3).seed(1).build(),
                    RnnConfig.builder(CellType.GRU, 1, 2).layers(2).bidirectional(true).seed(2).build(),
                    RnnConfig.builder(CellType.RNN_TANH, 3, 2).batchFirst(true).seed(3).build(),
                    RnnConfig.builder(CellType.RNN_RELU, 1, 1).layers(2).dropout(0.5).seed(4).build())) {
                for (String prefix : List.of("", "rnn.")) {
                    try (Rnn rnn = Rnn.create(config, KernelSelection.java())) {
                        ModelFile.save(tmp, rnn, prefix, prefix.isEmpty() ? Map.of() : Map.of("note", "caf\u00e9 \"quoted\" \u20ac"));
                    }
                    byte[] bytes = Files.readAllBytes(tmp);
                    String name = "seed-written-" + (n++) + "-" + config.cell().id() + (prefix.isEmpty() ? "" : "-prefixed");
                    write(raw.resolve(name), bytes);
                    write(framed.resolve(name), unframe(bytes));
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Headers (with an empty data section) for problems found by reading the code rather than by
     * the fuzzer. zero-dimension-after-huge-ones: a zero-element tensor whose other dimensions
     * multiply beyond a long when taken left to right; the reader accepted it and
     * {@code tensor(name)} then threw ArithmeticException (Tensor counts elements left to right).
     */
    static final Map<String, String> CRAFTED_HEADERS = Map.of(
            "zero-dimension-after-huge-ones",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647,0],\"data_offsets\":[0,0]}}");

    /** The inverse of {@link ModelFileHeaderFuzzTest#frame}: header NUL data (a nonsensical length field keeps all bytes as the header). */
    static byte[] unframe(byte[] file) {
        if (file.length < 8) {
            return file;
        }
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > file.length - 8) {
            return Arrays.copyOfRange(file, 8, file.length);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(file, 8, (int) n);
        out.write(0);
        out.write(file, 8 + (int) n, file.length - 8 - (int) n);
        return out.toByteArray();
    }

    // ---- snapshots ----

    /** For each model of {@link SnapshotFuzzTest}: a valid snapshot as is, with repairs on, and cut short. */
    private static void snapshotSeeds(Path dir) {
        CellType[] cells = {CellType.LSTM, CellType.GRU, CellType.RNN_TANH, CellType.RNN_RELU};
        int[][] sizes = {{3, 4, 2}, {2, 3, 1}, {1, 2, 2}, {2, 5, 1}};   // the models of SnapshotFuzzTest: I, H, L
        for (int m = 0; m < cells.length; m++) {
            RnnConfig config = RnnConfig.builder(cells[m], sizes[m][0], sizes[m][1]).layers(sizes[m][2]).seed(7).build();
            try (Rnn rnn = Rnn.create(config); InferenceModel model = InferenceModel.of(rnn); StreamState s = model.newStream()) {
                float[] x = new float[s.inputSize()];
                Arrays.fill(x, 0.25f);
                s.step(x);
                s.step(x);
                byte[] snapshot = s.snapshot();
                String cell = cells[m].id();
                write(dir.resolve("seed-" + cell + "-valid"), prepend(m, snapshot));
                write(dir.resolve("seed-" + cell + "-repaired"), prepend(m | 4 | 8, snapshot));
                write(dir.resolve("seed-" + cell + "-truncated"), prepend(m | 8, Arrays.copyOf(snapshot, snapshot.length - 8)));
            }
        }
        write(dir.resolve("seed-size-overflow"), sizeOverflowSnapshot());
    }

    /**
     * A 56-byte LSTM snapshot (no floats) declaring L = 2^30, H = 4, S = 2^30: 4 * S * L * H is
     * 2^64, which a long wraps to 0, so the declared size once "matched" the 56 bytes and the
     * snapshot got past the size check. Fingerprint and checksum are repaired by the harness.
     */
    static byte[] sizeOverflowSnapshot() {
        ByteBuffer b = ByteBuffer.allocate(1 + 56).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) (0 | 4 | 8)).putInt('P' | 'R' << 8 | 'N' << 16 | 'S' << 24).putInt(1).put(new byte[32])
         .putInt(1 << 30).putInt(4).putInt(1 << 30).putInt(0);
        return b.array();
    }

    private static byte[] prepend(int control, byte[] bytes) {
        byte[] out = new byte[bytes.length + 1];
        out[0] = (byte) control;
        System.arraycopy(bytes, 0, out, 1, bytes.length);
        return out;
    }

    // ---- CSV, text, vocabulary ----

    private static void dataSeeds(Path csv, Path text, Path vocabulary) throws IOException {
        write(csv.resolve("seed-time-value"), utf8("time,value\n1749.0,58\n1749.083,62.6\n1749.167,70\n"));
        write(csv.resolve("seed-value-only"), utf8("value\n1\n2.5\n-3e2\n"));
        write(csv.resolve("seed-quoted-crlf"), utf8("\"time\",\"value\",\"note\"\r\n\"1\",\"2\",\"a\"\r\n\"2\",\"3\",\"b\"\r\n\r\n"));
        write(csv.resolve("seed-blank-lines"), utf8("x,value,time\n\n7,1,0\n  \n8,2,1\n9,NaN,2\n"));
        write(csv.resolve("seed-wrong-fields"), utf8("time,value\n1,2\n3\n"));
        String sample = "In the beginning God created the heaven and the earth.\nCaf\u00e9 \u20ac \ud834\udd1e\n";
        write(text.resolve("seed-plain"), prepend(0, utf8(sample)));
        write(text.resolve("seed-gzip"), prepend(1, gzip(utf8(sample))));
        write(text.resolve("seed-gzip-two-members"), prepend(1, concat(gzip(utf8("first ")), gzip(utf8("second")))));
        write(text.resolve("seed-invalid-utf8"), prepend(0, new byte[] {'a', (byte) 0xC3, '(', 'b'}));
        write(text.resolve("seed-one-character"), prepend(0, utf8("x")));
        write(vocabulary.resolve("seed-ascii"), utf8("\n !,.:;?ABCabc"));
        write(vocabulary.resolve("seed-unicode"), utf8(" ae\u00e9\u20ac\ud834\udd1e"));
        write(vocabulary.resolve("seed-unsorted"), utf8("ba"));
        write(vocabulary.resolve("seed-duplicate"), utf8("aab"));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
