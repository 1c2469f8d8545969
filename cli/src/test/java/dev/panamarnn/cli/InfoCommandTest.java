package dev.panamarnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class InfoCommandTest {
    @Test
    void printsKernelsAndOpenBlasConfiguration() {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new RnnCommand()).execute("info", "--threads", "1");
        } finally {
            System.setOut(saved);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        if (text.contains("kernels            native")) {
            assertEquals(0, exit, text);
            assertTrue(text.contains("OpenBLAS 0.3.31"), text);
            assertTrue(text.contains("openblas threads   1"), text);
        } else {
            assertTrue(!Boolean.getBoolean("rnn.native.strict"), "strict mode must run native:\n" + text);
            assertEquals(2, exit, text);
        }
    }
}
