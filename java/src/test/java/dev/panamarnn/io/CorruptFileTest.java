package dev.panamarnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.kernels.KernelSelection;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invalid files: every hand-made kind of corruption ({@link CorruptCases}, also the committed seed
 * corpus modelfiles/corrupt/), every truncation of a valid file, and a seeded random-mutation loop.
 * The property everywhere: reading (and then loading the network) either succeeds or throws
 * {@link ModelFileException} naming the file — no other exception, no crash.
 */
class CorruptFileTest {
    @TempDir
    Path dir;

    static List<CorruptCases.Case> cases() {
        return CorruptCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejectedWithAMessageNamingTheProblem(CorruptCases.Case c) throws IOException {
        Path file = dir.resolve(c.name() + ".safetensors");
        Files.write(file, c.bytes());
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(file).close());
        assertTrue(e.getMessage().contains(c.expected()), () -> "expected '" + c.expected() + "' in: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("model file " + file + ": "), e.getMessage());
        assertEquals(file, e.file());
    }

    /**
     * The committed corpus is exactly {@link CorruptCases} (so fuzzers get every case as a seed).
     * To regenerate it: run this test with -Drnn.test.writeCorruptCorpus=java/src/test/resources/modelfiles/corrupt
     */
    @Test
    void corpusOnDiskMatchesTheCases() throws IOException, URISyntaxException {
        String writeTo = System.getProperty("rnn.test.writeCorruptCorpus");
        if (writeTo != null) {
            for (CorruptCases.Case c : cases()) {
                Files.write(Path.of(writeTo).resolve(c.name() + ".safetensors"), c.bytes());
            }
        }
        var url = getClass().getResource("/modelfiles/corrupt/");
        assertNotNull(url, "modelfiles/corrupt/ missing from the test class path");
        Set<String> onDisk;
        try (var files = Files.list(Path.of(url.toURI()))) {
            onDisk = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).collect(Collectors.toSet());
        }
        Set<String> expected = cases().stream().map(c -> c.name() + ".safetensors").collect(Collectors.toSet());
        assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(onDisk), "corpus files vs CorruptCases");
        for (CorruptCases.Case c : cases()) {
            try (InputStream in = getClass().getResourceAsStream("/modelfiles/corrupt/" + c.name() + ".safetensors")) {
                assertArrayEquals(c.bytes(), in.readAllBytes(), c.name());
            }
        }
    }

    /** A small valid model file: an LSTM (I=3, H=2) with its metadata, about 500 bytes. */
    static byte[] validModelFile(Path dir) throws IOException {
        Path file = dir.resolve("valid.safetensors");
        try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.LSTM, 3, 2).seed(7).build(), KernelSelection.java())) {
            ModelFile.save(file, rnn, "", Map.of("vocabulary", "ab\u00e9"));
        }
        return Files.readAllBytes(file);
    }

    @Test
    void everyTruncationIsRejected() throws IOException {
        byte[] valid = validModelFile(dir);
        long headerLength = ByteBuffer.wrap(valid, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Path file = dir.resolve("truncated.safetensors");
        for (int n = 0; n < valid.length; n++) {
            Files.write(file, Arrays.copyOf(valid, n));
            ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(file).close(), "prefix of " + n + " bytes");
            String expected = n < 8 ? "too short for the 8-byte header length"
                    : n < 8 + headerLength ? "header length " + headerLength + " is more than the " + (n - 8) + " bytes"
                    : "beyond the end of the " + (n - 8 - headerLength) + "-byte data section (is the file truncated?)";
            assertTrue(e.getMessage().contains(expected), "prefix of " + n + " bytes: expected '" + expected + "' in: " + e.getMessage());
        }
        Files.write(file, valid);
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            assertEquals(4, f.names().size());
        }
    }

    /**
     * Seeded random mutations of a valid model file: byte flips anywhere, flips inside the header,
     * header bytes inserted or deleted (with the length field fixed up so that parsing goes deep),
     * digits changed (shapes and offsets), truncation and extension. Every outcome must be a file
     * that reads and loads, or a ModelFileException; anything else fails the test and leaves the
     * input in target/ for the corpus.
     */
    @Test
    void randomMutationsGiveAValidModelOrTheDocumentedException() throws IOException {
        byte[] valid = validModelFile(dir);
        int headerLength = (int) ByteBuffer.wrap(valid, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        SplittableRandom random = new SplittableRandom(20240613);
        Map<String, Integer> outcomes = new TreeMap<>();
        Path file = dir.resolve("mutant.safetensors");
        int iterations = Integer.getInteger("rnn.test.mutations", 4000);
        for (int i = 0; i < iterations; i++) {
            byte[] mutant = mutate(valid, headerLength, random);
            Files.write(file, mutant);
            String outcome;
            try (SafeTensorsFile f = SafeTensors.read(file)) {
                try (Rnn rnn = ModelFile.load(f, "", KernelSelection.java())) {
                    outcome = "loaded";
                }
            } catch (ModelFileException e) {
                assertTrue(e.getMessage().startsWith("model file " + file + ": "), e.getMessage());
                outcome = e.getMessage().substring(("model file " + file + ": ").length()).replaceAll("[0-9]+", "N");
                outcome = outcome.substring(0, Math.min(50, outcome.length()));
            } catch (Throwable t) {
                Path kept = Path.of("target", "mutation-failure-" + i + ".safetensors");
                Files.createDirectories(kept.getParent());
                Files.write(kept, mutant);
                fail("mutation " + i + " escaped with " + t + "; input kept in " + kept.toAbsolutePath(), t);
                return;
            }
            outcomes.merge(outcome, 1, Integer::sum);
        }
        System.out.println("[CorruptFileTest] " + iterations + " mutations, outcomes:");
        outcomes.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(e -> System.out.printf("  %5d  %s%n", e.getValue(), e.getKey()));
        assertTrue(outcomes.getOrDefault("loaded", 0) > 0, "some mutations (of the float data) must still load");
        assertTrue(outcomes.size() > 20, "mutations must reach many different checks, got " + outcomes.keySet());
    }

    static byte[] mutate(byte[] valid, int headerLength, SplittableRandom random) {
        byte[] b = valid.clone();
        int headerEnd = 8 + headerLength;
        switch (random.nextInt(7)) {
            case 0 -> {   // flip 1..4 bytes anywhere
                for (int k = 1 + random.nextInt(4); k > 0; k--) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
            }
            case 1 -> {   // flip 1..3 header bytes
                for (int k = 1 + random.nextInt(3); k > 0; k--) {
                    b[8 + random.nextInt(headerLength)] = (byte) random.nextInt(256);
                }
            }
            case 2 -> {   // change a digit in the header (shape or offset), or add a digit
                int at = 8 + random.nextInt(headerLength);
                while (at < headerEnd && !(b[at] >= '0' && b[at] <= '9')) {
                    at++;
                }
                if (at < headerEnd) {
                    if (random.nextBoolean()) {
                        b[at] = (byte) ('0' + random.nextInt(10));
                    } else {
                        b = withHeader(b, headerLength, insert(header(b, headerLength), at - 8, (byte) ('0' + random.nextInt(10))));
                    }
                }
            }
            case 3 -> {   // insert a structural or random byte into the header
                byte[] pool = "{}[]\",:-0123456789 \\u\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                byte ins = random.nextBoolean() ? pool[random.nextInt(pool.length)] : (byte) random.nextInt(256);
                b = withHeader(b, headerLength, insert(header(b, headerLength), random.nextInt(headerLength + 1), ins));
            }
            case 4 -> {   // delete a header byte
                byte[] h = header(b, headerLength);
                int at = random.nextInt(h.length);
                byte[] shorter = new byte[h.length - 1];
                System.arraycopy(h, 0, shorter, 0, at);
                System.arraycopy(h, at + 1, shorter, at, h.length - at - 1);
                b = withHeader(b, headerLength, shorter);
            }
            case 5 -> {   // change the header length field
                long n = random.nextBoolean() ? headerLength + random.nextInt(-16, 17) : random.nextLong();
                System.arraycopy(SafeTensorsBytes.lengthField(n), 0, b, 0, 8);
            }
            default -> {  // truncate or extend
                b = Arrays.copyOf(b, Math.max(0, b.length + random.nextInt(-64, 65)));
            }
        }
        return b;
    }

    private static byte[] header(byte[] file, int headerLength) {
        return Arrays.copyOfRange(file, 8, 8 + headerLength);
    }

    private static byte[] insert(byte[] a, int at, byte value) {
        byte[] longer = new byte[a.length + 1];
        System.arraycopy(a, 0, longer, 0, at);
        longer[at] = value;
        System.arraycopy(a, at, longer, at + 1, a.length - at);
        return longer;
    }

    /** The file with its header replaced by {@code header} and the length field fixed up. */
    private static byte[] withHeader(byte[] file, int oldLength, byte[] header) {
        return SafeTensorsBytes.concat(SafeTensorsBytes.lengthField(header.length), header,
                Arrays.copyOfRange(file, 8 + oldLength, file.length));
    }

    @Test
    void missingFileAndDirectoryAreModelFileExceptions() {
        Path missing = dir.resolve("nope.safetensors");
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(missing));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
        ModelFileException d = assertThrows(ModelFileException.class, () -> SafeTensors.read(dir));
        assertTrue(d.getMessage().startsWith("model file " + dir + ": "), d.getMessage());
    }

    @Test
    void caseNamesAreUnique() {
        assertEquals(cases().size(), cases().stream().map(CorruptCases.Case::name).distinct().count());
    }
}
