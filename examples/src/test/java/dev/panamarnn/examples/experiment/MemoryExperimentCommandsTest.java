package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panamarnn.CellType;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.train.Adam;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Smoke tests of {@code rnn experiment gradients} and {@code rnn experiment memory} with tiny
 * models and budgets: exit code 0, the PNG figures and the JSON with the printed tables; plus the
 * trainer's seeded determinism and the decay-factor fit.
 */
class MemoryExperimentCommandsTest {
    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {}

    static Result run(Object command, String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cli = new CommandLine(command);
            cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
            int exit = cli.execute(args);
            return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void gradientsWritesItsFiguresAndTables() throws Exception {
        Path out = dir.resolve("g");
        Result r = run(new GradientFlowCommand(), "--length", "12", "--hidden", "8", "--sequences", "2", "--radii", "0.5,2",
                "--clip-length", "6", "--clip-hidden", "8", "--train-length", "6", "--max-steps", "10", "--budget", "4", "--seed", "3", "--out", out.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        for (String png : new String[] {"gradients-cells.png", "gradients-trained.png", "gradients-rnn-radius.png", "gradients-clipping.png"}) {
            assertTrue(isPng(out.resolve(png)), png + " is a PNG");
        }
        JsonNode json = new ObjectMapper().readTree(out.resolve("gradients.json").toFile());
        assertEquals(4, json.get("tables").size());
        assertEquals(6, json.get("tables").get(0).get("rows").size(), "rnn, lstm (h and c), lstm with forget bias (h and c), gru");
        assertEquals(3, json.get("tables").get(1).get("rows").size(), "rnn, lstm, gru after training");
        assertEquals(2, json.get("tables").get(2).get("rows").size(), "one row per radius");
        assertEquals("0.5000", json.get("tables").get(2).get("rows").get(0).get(1).asText(), "the rescaled W_hh has radius 0.5");
        assertTrue(r.out().contains("| rnn_tanh |") && r.out().contains("t=T-10"), r.out());
    }

    @Test
    void memoryAddingAndCopyWriteTheirFiguresAndTables() throws Exception {
        Path out = dir.resolve("m");
        Result adding = run(new MemoryTaskCommand(), "--length", "6,8", "--lstm-hidden", "4", "--batch", "4", "--eval-every", "5",
                "--test", "16", "--budget", "3", "--out", out.toString());
        assertEquals(0, adding.exit(), adding.err() + adding.out());
        assertTrue(isPng(out.resolve("memory-adding-T6.png")) && isPng(out.resolve("memory-adding-T8.png")));
        JsonNode json = new ObjectMapper().readTree(out.resolve("memory-adding.json").toFile());
        JsonNode rows = json.get("tables").get(0).get("rows");
        assertEquals(6, rows.size(), "3 cells x 2 lengths");
        long lstm = Long.parseLong(rows.get(1).get(3).asText());
        for (JsonNode row : rows) {
            long parameters = Long.parseLong(row.get(3).asText());
            assertTrue(Math.abs(parameters - lstm) <= 0.1 * lstm, "equal budgets (tiny models round coarsely): " + row);
        }
        Result copy = run(new MemoryTaskCommand(), "--task", "copy", "--length", "3", "--symbols", "2", "--alphabet", "3", "--lstm-hidden", "4",
                "--batch", "4", "--eval-every", "5", "--test", "16", "--budget", "2", "--out", out.toString());
        assertEquals(0, copy.exit(), copy.err() + copy.out());
        assertTrue(isPng(out.resolve("memory-copy-T3.png")));
        assertTrue(Files.exists(out.resolve("memory-copy.json")));
    }

    @Test
    void memoryDefaultsToItsOwnBudgetAndRejectsAnUnknownTask() {
        MemoryTaskCommand command = new MemoryTaskCommand();
        new CommandLine(command).parseArgs();
        assertEquals(270, command.options.budget().toSeconds());
        GradientFlowCommand gradients = new GradientFlowCommand();
        new CommandLine(gradients).parseArgs();
        assertEquals(120, gradients.options.budget().toSeconds());
        Result bad = run(new MemoryTaskCommand(), "--task", "sorting", "--out", dir.toString());
        assertNotEquals(0, bad.exit());
        assertTrue(bad.err().contains("--task must be adding or copy"), bad.err());
    }

    @Test
    void trainingIsDeterministicPerSeed() {
        double[] a = losses(), b = losses();
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
    }

    @Test
    void decayFactorOfAGeometricSequenceIsItsRatio() {
        double[] norms = new double[41];
        for (int t = 0; t <= 40; t++) {
            norms[t] = Math.pow(0.8, 40 - t);     // ||dL/dh_{T-k}|| = 0.8^k
        }
        assertEquals(0.8, GradientFlowCommand.factorPerStep(norms), 1e-12);
    }

    private static double[] losses() {
        MemoryTask task = MemoryTask.adding(10);
        try (SequenceModel model = task.model(CellType.GRU, 5, 9);
             Adam adam = new Adam(model.kernels(), model.parameters(), model.gradients(), 1e-2);
             MemoryTrainer trainer = new MemoryTrainer(model, task, 8, 8, adam, 1.0, 9)) {
            double[] losses = new double[6];
            for (int i = 0; i < 5; i++) {
                losses[i] = trainer.trainStep().loss();
            }
            losses[5] = trainer.evaluate().loss();
            return losses;
        }
    }

    static boolean isPng(Path file) throws Exception {
        if (!Files.exists(file)) {
            return false;
        }
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(file), 8);
        return head[0] == (byte) 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G';
    }
}
