package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command end to end with a tiny corpus, tiny models and a 3-second budget: PNGs, JSON, printed tables. */
class TextExperimentCommandTest {
    @TempDir
    Path dir;

    @Test
    void budgetDefaultsToFourMinutesAndCanBeSet() {
        TextExperimentCommand command = new TextExperimentCommand();
        new CommandLine(command).parseArgs();
        assertEquals(java.time.Duration.ofSeconds(240), command.options.budget());
        command = new TextExperimentCommand();
        new CommandLine(command).parseArgs("--budget", "30");
        assertEquals(java.time.Duration.ofSeconds(30), command.options.budget());
    }

    @Test
    void tinyRunWritesBothFiguresAndAJsonWithThePrintedNumbers() throws Exception {
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, "And the cat sat on the mat; and the dog sat on the log.\n".repeat(300));
        Path out = dir.resolve("out");
        ByteArrayOutputStream printed = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int exit;
        try {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            CommandLine cli = new CommandLine(new TextExperimentCommand());
            cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
            exit = cli.execute("--corpus", corpus.toString(), "--budget", "3", "--seed", "7", "--out", out.toString(),
                    "--hidden", "12", "--embedding", "6", "--batch", "4", "--seq-len", "16", "--held-out-windows", "4",
                    "--sample-length", "30");
        } finally {
            System.setOut(saved);
        }
        String text = printed.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, err + text);
        for (String png : new String[] {"text-bpc-vs-time.png", "text-bpc-vs-step.png"}) {
            byte[] head = Files.readAllBytes(out.resolve(png));
            assertTrue(head.length > 1000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', png + " is a PNG");
        }
        JsonNode json = new ObjectMapper().readTree(out.resolve("text.json").toFile());
        assertEquals("text", json.get("experiment").asText());
        assertEquals(7, json.get("settings").get("seed").asLong());
        // every row of the printed tables is in the JSON as printed
        JsonNode tables = json.get("tables");
        int printedTables = 0;
        for (JsonNode table : tables) {
            String heading = "### " + table.get("title").asText();
            if (text.lines().noneMatch(heading::equals)) {       // samples and curves are in the JSON only
                continue;
            }
            printedTables++;
            for (JsonNode row : table.get("rows")) {
                StringBuilder line = new StringBuilder("|");
                row.forEach(cell -> line.append(' ').append(cell.asText()).append(" |"));
                assertTrue(text.contains(line.toString()), "printed: " + line);
            }
        }
        assertEquals(2, printedTables, text);
        JsonNode results = tables.get(1).get("rows");
        assertEquals(5, results.size(), "three cells and two baselines");
        for (int r = 0; r < 3; r++) {
            double bpc = Double.parseDouble(results.get(r).get(4).asText());
            assertTrue(bpc > 0 && bpc < 10, "bits per character " + bpc);
            assertTrue(Long.parseLong(results.get(r).get(1).asText()) >= 1, "at least one step");
        }
        assertEquals(3 * TextExperimentCommand.TEMPERATURES.length, tables.get(2).get("rows").size(), "samples");
        assertTrue(tables.get(2).get("rows").get(0).get(2).asText().startsWith("And "), "samples start from the prime");
    }
}
