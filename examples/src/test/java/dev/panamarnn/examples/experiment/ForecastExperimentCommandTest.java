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

/** {@code rnn experiment forecast} end to end with a few steps (the budget is only a cap): tables printed, one PNG per series, JSON written. */
class ForecastExperimentCommandTest {
    @TempDir
    Path dir;

    @Test
    void tinyRunWritesFiguresAndJson() throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new ForecastExperimentCommand()).execute("--budget", "120", "--steps", "10", "--hidden", "8",
                    "--series", "airline,co2", "--out", dir.toString());
        } finally {
            System.setOut(saved);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, printed);
        assertTrue(printed.contains("### airline: last 24 values held out; networks see log, difference at lag 12"), printed);
        assertTrue(printed.contains("| seasonal naive (m=12) | - |"), printed);
        assertTrue(printed.contains("| gru (H=8) | 10 |") && printed.contains("| lstm (H=8) | 10 |"), printed);
        for (String png : new String[] {"forecast-airline.png", "forecast-co2.png"}) {
            byte[] head = Files.readAllBytes(dir.resolve(png));
            assertTrue(head.length > 1000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', png + " is a PNG");
        }
        String json = Files.readString(dir.resolve("forecast.json"));
        assertTrue(json.contains("\"experiment\" : \"forecast\"") && json.contains("1-step MASE"), json);
    }

    @Test
    void anUnknownSeriesIsAnError() {
        CommandLine cli = new CommandLine(new ForecastExperimentCommand());
        cli.setErr(new java.io.PrintWriter(new ByteArrayOutputStream()));
        assertEquals(1, cli.execute("--series", "nile", "--out", dir.toString()));
    }
}
