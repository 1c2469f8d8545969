package dev.panamarnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The command line end to end, through the same entry point as ./rnn: a tiny text model trained for
 * a few steps and sampled, a series model trained and used to forecast, and the errors a user gets
 * for bad input (one line, exit code != 0, no model file left behind).
 */
class CliEndToEndTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    static Run rnn(String... args) {
        PrintStream savedOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cli = RnnCommand.commandLine();
            cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
            int exit = cli.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
        }
    }

    @Test
    void trainTextThenSample() throws Exception {
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, "the cat sat on the mat. ".repeat(400));
        Path out = dir.resolve("text");
        Run train = rnn("train", "text", "--corpus", corpus.toString(), "--hidden", "16", "--embedding", "8", "--layers", "1",
                "--seq-len", "16", "--batch", "4", "--steps", "30", "--sample-every", "0", "--out", out.toString());
        assertEquals(0, train.exit(), train.err() + train.out());
        assertTrue(train.out().contains("validation"), train.out());
        assertTrue(Files.size(out.resolve("model.safetensors")) > 1000);
        assertTrue(isPng(out.resolve("loss.png")), "loss.png is a PNG");
        Run sample = rnn("sample", "--model", out.resolve("model.safetensors").toString(), "--prime", "the ", "--length", "40");
        assertEquals(0, sample.exit(), sample.err());
        String text = sample.out().strip();
        assertTrue(text.startsWith("the ") && text.length() == 44, text);
        assertTrue(text.chars().allMatch(c -> "the cat sat on mat.".indexOf(c) >= 0), "only corpus characters: " + text);

        for (String precision : new String[] {"int8", "BF16"}) {
            Run reduced = rnn("sample", "--model", out.resolve("model.safetensors").toString(), "--prime", "the ", "--length", "40",
                    "--precision", precision);
            assertEquals(0, reduced.exit(), reduced.err());
            String reducedText = reduced.out().strip();
            assertTrue(reducedText.startsWith("the ") && reducedText.length() == 44, reducedText);
            assertTrue(reducedText.chars().allMatch(c -> "the cat sat on mat.".indexOf(c) >= 0), precision + ": " + reducedText);
        }
        Run unknown = rnn("sample", "--model", out.resolve("model.safetensors").toString(), "--precision", "fp16");
        assertEquals(1, unknown.exit());
        assertEquals(1, unknown.err().strip().lines().count(), unknown.err());
        assertTrue(unknown.err().contains("expected one of float32, int8, bf16, got 'fp16'"), unknown.err());
    }

    @Test
    void trainSeriesThenForecast() throws Exception {
        Path out = dir.resolve("series");
        Run train = rnn("train", "series", "--hidden", "8", "--steps", "40", "--window", "24", "--batch", "8",
                "--holdout", "24", "--out", out.toString());
        assertEquals(0, train.exit(), train.err() + train.out());
        Path model = out.resolve("series.safetensors");
        Run forecast = rnn("forecast", "--model", model.toString());
        assertEquals(0, forecast.exit(), forecast.err());
        assertTrue(forecast.out().contains("seasonal naive (m=12)"), forecast.out());
        assertTrue(forecast.out().contains("MASE"), forecast.out());
        assertTrue(isPng(out.resolve("forecast.png")));
        assertTrue(forecast.out().contains("float32 weights"), forecast.out());

        // int8 weights: the same report, forecasts near float32's (the quantization error, not another model)
        double[] exact = firstForecasts(forecast.out());
        Run int8 = rnn("forecast", "--model", model.toString(), "--precision", "int8", "--png", dir.resolve("int8.png").toString());
        assertEquals(0, int8.exit(), int8.err());
        assertTrue(int8.out().contains("int8 weights"), int8.out());
        double[] quantized = firstForecasts(int8.out());
        assertEquals(exact.length, quantized.length);
        double scale = java.util.Arrays.stream(exact).map(Math::abs).max().orElseThrow();
        for (int i = 0; i < exact.length; i++) {
            assertEquals(exact[i], quantized[i], 0.05 * scale, "forecast " + i + ": " + forecast.out() + int8.out());
        }
    }

    /** The values of the "first forecasts: [a, b, ...]" line. */
    private static double[] firstForecasts(String report) {
        String line = report.lines().filter(l -> l.startsWith("first forecasts: [")).findFirst().orElseThrow(() -> new AssertionError(report));
        return java.util.Arrays.stream(line.substring(line.indexOf('[') + 1, line.indexOf(']')).split(", "))
                .mapToDouble(Double::parseDouble).toArray();
    }

    @Test
    void badInputIsOneLineAndNonZero() throws Exception {
        Run missing = rnn("train", "text", "--corpus", dir.resolve("nope.txt").toString(), "--steps", "1", "--out", dir.resolve("m").toString());
        assertEquals(1, missing.exit());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        assertTrue(missing.err().contains("nope.txt does not exist"), missing.err());
        assertTrue(!Files.exists(dir.resolve("m").resolve("model.safetensors")));

        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "");
        Run emptyRun = rnn("train", "text", "--corpus", empty.toString(), "--steps", "1");
        assertEquals(1, emptyRun.exit());
        assertTrue(emptyRun.err().contains("the corpus is empty"), emptyRun.err());

        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "time,value\n1,2\n2,abc\n");
        Run badCsv = rnn("train", "series", "--csv", csv.toString(), "--steps", "1");
        assertEquals(1, badCsv.exit());
        assertTrue(badCsv.err().contains("line 3: column 'value' is not a finite number: 'abc'"), badCsv.err());

        Path notAModel = dir.resolve("garbage.safetensors");
        Files.writeString(notAModel, "this is not a model");
        Run garbage = rnn("sample", "--model", notAModel.toString());
        assertEquals(1, garbage.exit());
        assertEquals(1, garbage.err().strip().lines().count(), garbage.err());
    }

    private static boolean isPng(Path file) throws Exception {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        byte[] head;
        try (var in = Files.newInputStream(file)) {
            head = in.readNBytes(8);
        }
        return head.length == 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G';
    }
}
