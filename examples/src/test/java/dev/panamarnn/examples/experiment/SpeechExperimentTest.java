package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rnn experiment speech} at a tiny size (a smoke test: espeak-ng data, CTC training, table, PNG, JSON), and frame stacking. */
class SpeechExperimentTest {
    @TempDir
    Path dir;

    @Test
    void stacksFramesSideBySideAndPadsTheLastGroup() {
        float[][] frames = {{1, 2}, {3, 4}, {5, 6}, {7, 8}};
        float[][] stacked = SpeechExperimentCommand.stacked(frames, 3);
        assertEquals(2, stacked.length);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, stacked[0]);
        assertArrayEquals(new float[] {7, 8, 0, 0, 0, 0}, stacked[1]);
        assertEquals("seven two zero", SpeechExperimentCommand.spelled(new int[] {8, 3, 1}));
    }

    @Test
    void tinyRunWritesTableFigureAndJson() throws Exception {
        boolean installed = Files.isExecutable(Path.of("/usr/bin/espeak-ng"));
        assertTrue(installed || System.getenv("CI") == null, "CI must have espeak-ng: .ci/run installs it");
        Assumptions.assumeTrue(installed, "espeak-ng is not installed (apt-get install espeak-ng)");
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new SpeechExperimentCommand()).execute("--budget", "120", "--train", "12", "--test", "4",
                    "--epochs", "1", "--hidden", "8", "--layers", "1", "--cells", "gru", "--cache", dir.resolve("cache").toString(),
                    "--out", dir.toString());
        } finally {
            System.setOut(saved);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, printed);
        assertTrue(printed.contains("| bidirectional gru (1x8) | 1 |"), printed);
        assertTrue(printed.contains("| prior: "), printed);
        byte[] head = Files.readAllBytes(dir.resolve("speech-alignment.png"));
        assertTrue(head.length > 1000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', "speech-alignment.png is a PNG");
        assertTrue(Files.readString(dir.resolve("speech.json")).contains("\"experiment\" : \"speech\""));
    }
}
