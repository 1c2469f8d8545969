package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code rnn experiment classify} end to end with a few steps (the budget is only a cap): table printed, PNGs and JSON written. */
class ClassifyCommandTest {
    @TempDir
    Path dir;

    @Test
    void tinyRunWritesFiguresAndJson() throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new ClassifyCommand()).execute("--budget", "120", "--steps", "20", "--baseline-steps", "20",
                    "--train", "64", "--test", "40", "--hidden", "8", "--check-every", "10", "--cells", "gru", "--out", dir.toString());
        } finally {
            System.setOut(saved);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, printed);
        assertTrue(printed.contains("| order | logistic regression on the window | 20 |"), printed);
        assertTrue(printed.contains("| frequency | gru (H=8) |"), printed);
        for (String png : new String[] {"classify-order.png", "classify-order-examples.png", "classify-frequency.png",
                "classify-frequency-examples.png"}) {
            byte[] head = Files.readAllBytes(dir.resolve(png));
            assertTrue(head.length > 1000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', png + " is a PNG");
        }
        String json = Files.readString(dir.resolve("classify.json"));
        assertTrue(json.contains("\"experiment\" : \"classify\"") && json.contains("held-out accuracy"), json);
    }
}
