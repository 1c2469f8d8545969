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
    void printsKernelsAndOpenBlasConfiguration() throws Exception {
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
            boolean avx512 = cpuFlags().contains(" avx512f ");                 // what the kernel says of this CPU
            assertTrue(text.contains(avx512 ? "librnnk gemm       AVX-512: " : "librnnk gemm       no AVX-512 on this CPU"), text);
        } else {
            assertTrue(!Boolean.getBoolean("rnn.native.strict"), "strict mode must run native:\n" + text);
            assertEquals(2, exit, text);
        }
    }

    /** The flags line of /proc/cpuinfo, space-padded ("" where there is none). */
    private static String cpuFlags() throws java.io.IOException {
        java.nio.file.Path cpuinfo = java.nio.file.Path.of("/proc/cpuinfo");
        if (!java.nio.file.Files.isReadable(cpuinfo)) {
            return "";
        }
        for (String line : java.nio.file.Files.readAllLines(cpuinfo)) {
            if (line.startsWith("flags")) {
                return line.substring(line.indexOf(':') + 1) + " ";
            }
        }
        return "";
    }
}
