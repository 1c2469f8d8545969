package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spoken-digits builder: a tiny set through espeak-ng (when installed), the cache, noise and trimming. */
class SpokenDigitsTest {
    @TempDir
    Path dir;

    private static final SpokenDigits.Config TINY = SpokenDigits.DEFAULT.withSizes(4, 3).withSeed(7);

    @Test
    void buildsATinySetThenReadsItFromTheCacheAndRebuildsACorruptCache() throws IOException {
        boolean installed = SpokenDigits.Espeak.version() != null;
        assertTrue(installed || System.getenv("CI") == null, "CI must have espeak-ng: .ci/run installs it");
        Assumptions.assumeTrue(installed, "espeak-ng is not installed (apt-get install espeak-ng)");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);

        SpokenDigits.Build first = SpokenDigits.build(TINY, dir, out);
        assertFalse(first.fromCache());
        SpeechDataset data = first.data();
        assertEquals(4, data.train().size());
        assertEquals(3, data.test().size());
        var testVoices = new HashSet<>(SpokenDigits.testVoices());
        for (SpeechDataset.Split split : java.util.List.of(data.train(), data.test())) {
            for (int i = 0; i < split.size(); i++) {
                SpeechDataset.Utterance u = split.utterances().get(i);
                assertArrayEquals(SpeechDataset.labelsOf(u.transcript()), split.labels().get(i));
                assertTrue(u.transcript().length() >= 3 && u.transcript().length() <= 7, u.transcript());
                assertEquals(u.transcript().length(), u.words().split(" ").length);
                float[][] x = split.inputs().get(i);
                assertEquals(40, x[0].length);
                // CTC needs at least one step per label; speech of a digit takes tens of 10 ms frames
                assertTrue(x.length > 10 * u.transcript().length(), x.length + " frames for " + u.words());
                assertTrue(split == data.train() ? SpokenDigits.trainVoices().contains(u.voice()) : testVoices.contains(u.voice()), u.voice());
                for (float[] frame : x) {
                    for (float v : frame) {
                        assertTrue(Float.isFinite(v));
                    }
                }
            }
        }

        SpokenDigits.Build second = SpokenDigits.build(TINY, dir, out);
        assertTrue(second.fromCache());
        assertEquals(first.cacheFile(), second.cacheFile());
        assertEquals(data.train().utterances(), second.data().train().utterances());
        for (int i = 0; i < data.test().size(); i++) {
            assertTrue(Arrays.deepEquals(data.test().inputs().get(i), second.data().test().inputs().get(i)));
        }

        byte[] bytes = Files.readAllBytes(first.cacheFile());
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(first.cacheFile(), bytes);
        SpokenDigits.Build third = SpokenDigits.build(TINY, dir, out);
        assertFalse(third.fromCache());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("is unusable (CRC32 mismatch"), log.toString(StandardCharsets.UTF_8));
        // same seed, same set: espeak-ng is deterministic and every utterance has its own seed
        assertEquals(data.train().utterances(), third.data().train().utterances());
        assertTrue(Arrays.deepEquals(data.train().inputs().get(0), third.data().train().inputs().get(0)));
        assertTrue(SpokenDigits.readCache(first.cacheFile(), TINY).data().train().size() == 4, "the rebuilt cache reads");
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "one cache file, no temporary files");
        }
    }

    private static SpeechDataset handMade(SpokenDigits.Config config) {
        return new SpeechDataset(SpeechDatasetTest.split(0, 5, 9, 6, 7), SpeechDatasetTest.split(3, 4, 8, 5), config.features());
    }

    @Test
    void theCacheRoundTripsAndRefusesTruncatedOrCorruptOrForeignFiles() throws IOException {
        SpokenDigits.Config config = new SpokenDigits.Config(4, 3, 3, 7, 130, 220, 25, 75, 10, 30, 0.25, 7,
                SpeechFeatures.DEFAULT.withBands(3));
        SpeechDataset data = handMade(config);
        Path file = SpokenDigits.cacheFile(config, dir);
        SpokenDigits.writeCache(file, config, data, "espeak-ng test");
        SpokenDigits.Build read = SpokenDigits.build(config, dir, new PrintStream(new ByteArrayOutputStream()));
        assertTrue(read.fromCache(), "read without espeak-ng");
        assertEquals("espeak-ng test", read.espeakVersion());
        assertEquals(data.train().utterances(), read.data().train().utterances());
        for (int i = 0; i < data.train().size(); i++) {
            assertTrue(Arrays.deepEquals(data.train().inputs().get(i), read.data().train().inputs().get(i)));
            assertArrayEquals(data.train().labels().get(i), read.data().train().labels().get(i));
        }

        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 100));
        assertEquals("truncated", assertThrows(IOException.class, () -> SpokenDigits.readCache(file, config)).getMessage());
        byte[] flipped = bytes.clone();
        flipped[bytes.length - 40] ^= 1;                               // a feature value
        Files.write(file, flipped);
        assertTrue(assertThrows(IOException.class, () -> SpokenDigits.readCache(file, config)).getMessage().startsWith("CRC32 mismatch"));
        Files.write(file, bytes);
        SpokenDigits.Config other = config.withSeed(8);
        assertNotEquals(SpokenDigits.cacheFile(config, dir), SpokenDigits.cacheFile(other, dir), "the file name follows the parameters");
        assertEquals("it holds another configuration", assertThrows(IOException.class, () -> SpokenDigits.readCache(file, other)).getMessage());
        Files.write(file, "not a cache".getBytes(StandardCharsets.US_ASCII));
        assertTrue(assertThrows(IOException.class, () -> SpokenDigits.readCache(file, config)).getMessage().contains("bad magic"));
    }

    @Test
    void noiseHasTheRequestedSnrAndTrimmingKeepsTenMilliseconds() {
        float[] clean = SpeechAudioTest.tone(500, 16000, 32000);
        float[] noisy = clean.clone();
        SpokenDigits.addNoise(noisy, 12, new SplittableRandom(1));
        double signal = 0, noise = 0;
        for (int i = 0; i < clean.length; i++) {
            signal += clean[i] * (double) clean[i];
            noise += (noisy[i] - clean[i]) * (double) (noisy[i] - clean[i]);
        }
        assertEquals(12, 10 * Math.log10(signal / noise), 0.1);
        float[] none = clean.clone();
        SpokenDigits.addNoise(none, Double.POSITIVE_INFINITY, new SplittableRandom(1));
        assertArrayEquals(clean, none);

        float[] padded = new float[1000];
        Arrays.fill(padded, 400, 600, 0.5f);
        assertEquals(200 + 2 * 160, SpokenDigits.trim(padded, 16000).length);
        assertEquals(1000, SpokenDigits.trim(new float[1000], 16000).length);
    }

    @Test
    void refusesBadParameters() {
        SpokenDigits.Config d = SpokenDigits.DEFAULT;
        assertThrows(IllegalArgumentException.class, () -> d.withSizes(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SpokenDigits.Config(1, 1, 5, 3, 130, 220, 25, 75, 10, 30, 0.25, 1, d.features()));
        assertThrows(IllegalArgumentException.class, () -> new SpokenDigits.Config(1, 1, 3, 7, 30, 220, 25, 75, 10, 30, 0.25, 1, d.features()));
        assertThrows(IllegalArgumentException.class, () -> new SpokenDigits.Config(1, 1, 3, 7, 130, 220, 25, 175, 10, 30, 0.25, 1, d.features()));
        assertThrows(IllegalArgumentException.class, () -> new SpokenDigits.Config(1, 1, 3, 7, 130, 220, 25, 75, 30, 10, 0.25, 1, d.features()));
        assertThrows(IllegalArgumentException.class, () -> new SpokenDigits.Config(1, 1, 3, 7, 130, 220, 25, 75, 10, 30, 0.25, 1,
                new SpeechFeatures.Config(8000, 200, 80, 256, 40, 0, 4000)));
    }
}
