package dev.panamarnn.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.panamarnn.cli.RnnCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * Fuzzes the command line's option parsing: one of the commands below, then up to 8 arguments
 * made of the fuzzer's bytes (option names of the command, numbers, text). The training commands
 * get a tiny network and one step, pinned before the fuzzed arguments (giving one again is a usage
 * error), and every output path is pinned into a temporary directory. Property: the exit code is
 * 0 or 1 (a bad option is a user error like any other); nothing escapes execute(); standard error holds at most two lines (the error and a
 * library warning) and never a stack trace; no file appears in the working directory. Seeds:
 * CommandLineFuzzTestInputs/fuzz/ (docs/fuzzing.md).
 */
class CommandLineFuzzTest {
    private static final Path TEMP;
    private static final Path WORKING = Path.of("").toAbsolutePath();

    static {
        try {
            TEMP = Files.createTempDirectory("rnn-cli-fuzz");
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final String[][] COMMANDS = {
            {"sample"}, {"predict", "--out", TEMP.resolve("p.csv").toString()}, {"forecast", "--png", TEMP.resolve("f.png").toString()},
            {"info"}, {"--help"}, {"help"}, {"experiment"}, {"experiment", "gradients", "--help"}, {"experiment", "memory", "--help"},
            {"train", "series", "--steps", "1", "--hidden", "2", "--layers", "1", "--batch", "2", "--out", TEMP.resolve("s").toString()},
            {"train", "sequences", "--steps", "1", "--hidden", "2", "--layers", "1", "--batch", "2", "--out", TEMP.resolve("q").toString()},
            {"train", "text", "--steps", "1", "--hidden", "2", "--layers", "1", "--batch", "2", "--embedding", "2", "--seq-len", "4",
                    "--sample-every", "0", "--out", TEMP.resolve("t").toString()},
    };
    private static final String[] WORDS = {"--model", "--csv", "--corpus", "--length", "--temperature", "--seed", "--prime", "--horizon",
            "--period", "--column", "--window", "--holdout", "--minutes", "--epochs", "--id", "--label", "--target", "--features",
            "--validation", "--patience", "--dropout", "--lr", "--clip", "--threads", "--verbose", "--cell", "--budget", "-h", "-V",
            "embedded:digits.csv.gz", "embedded:sunspot_month.csv", "NaN", "-1", "0", "2147483647", "1e308", "--", "."};

    @FuzzTest(maxDuration = "60s")
    void fuzz(FuzzedDataProvider data) throws IOException {
        List<String> args = new ArrayList<>(List.of(COMMANDS[data.consumeInt(0, COMMANDS.length - 1)]));
        int n = data.consumeInt(0, 8);
        for (int i = 0; i < n && data.remainingBytes() > 0; i++) {
            args.add(data.consumeBoolean() ? WORDS[data.consumeInt(0, WORDS.length - 1)] : data.consumeString(40));
        }
        Set<String> before = listing();
        PrintStream savedOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cli = RnnCommand.commandLine();
            cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
            exit = cli.execute(args.toArray(String[]::new));
        } finally {
            System.setOut(savedOut);
        }
        String errors = err.toString(StandardCharsets.UTF_8);
        String context = args + " -> " + exit + ":\n" + errors;
        assertTrue(exit == 0 || exit == 1, "exit code 0 or 1: " + context);
        assertTrue(errors.lines().count() <= 2, "at most two lines on standard error: " + context);
        assertFalse(errors.contains("\tat ") || errors.contains("Exception in thread"), "no stack trace: " + context);
        assertTrue(errors.chars().noneMatch(c -> c == 0x1b || c == 0x9b), "no escape sequences: " + context);
        assertEquals(before, listing(), "no file created in the working directory: " + context);
    }

    private static Set<String> listing() throws IOException {
        try (Stream<Path> files = Files.list(WORKING)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
