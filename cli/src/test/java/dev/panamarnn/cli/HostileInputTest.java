package dev.panamarnn.cli;

import static dev.panamarnn.cli.CliEndToEndTest.rnn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.cli.CliEndToEndTest.Run;
import dev.panamarnn.options.LibraryLogging;
import dev.panamarnn.options.Range;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command line as a hostile or careless user meets it, one test per root cause: errors of the
 * JVM, options out of range, oversized networks, FIFOs, huge and broken files, control characters
 * in input, the log lines, the help text and the streamed sample. Each failure is one line
 * {@code rnn <command>: <message>} without a stack trace.
 */
class HostileInputTest {
    @TempDir
    Path dir;

    /** A command that throws what it is given, to see the handler meet errors of the JVM. */
    @CommandLine.Command(name = "throw")
    static final class Throwing implements Callable<Integer> {
        static Throwable next;

        @CommandLine.Option(names = "--hidden")
        int hidden;

        @Override
        public Integer call() throws Exception {
            if (next instanceof Exception e) throw e;
            throw (Error) next;
        }
    }

    private static Run throwing(Throwable t) {
        Throwing.next = t;
        CommandLine cli = RnnCommand.commandLine();
        cli.addSubcommand(new Throwing());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int exit;
        try {
            exit = cli.execute("throw");
        } catch (Throwable escaped) {      // not rethrown: JUnit would end the whole run on an OutOfMemoryError
            throw new AssertionError("escaped execute(): " + escaped);
        }
        return new Run(exit, "", err.toString());
    }

    @Test
    void errorsOfTheJvmAreOneLineWithExitCodeOne() {
        Run oom = throwing(new OutOfMemoryError("Java heap space"));
        assertEquals(1, oom.exit());
        assertEquals("rnn throw: out of memory (Java heap space): reduce --hidden or the data or give the JVM more memory "
                + "(e.g. JAVA_TOOL_OPTIONS=-Xmx8g)", oom.err().strip());
        Run deep = throwing(new StackOverflowError());
        assertEquals(1, deep.exit());
        assertEquals(1, deep.err().strip().lines().count(), deep.err());
        assertTrue(deep.err().startsWith("rnn throw: stack overflow"), deep.err());
        Run npe = throwing(new NullPointerException());
        assertEquals("rnn throw: java.lang.NullPointerException", npe.err().strip());
        Run lines = throwing(new IllegalStateException("two\nlines \u001b[2J and \u009b"));
        assertEquals("rnn throw: two lines \\u001b[2J and \\u009b", lines.err().strip());
    }

    @Test
    void nestedCommandsAreNamedInFull() {
        Run memory = rnn("experiment", "memory", "--task", "nope", "--budget", "1", "--out", dir.toString());
        assertEquals(1, memory.exit());
        assertEquals("rnn experiment memory: --task must be adding or copy, got 'nope'", memory.err().strip());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "train text --minutes 0 | rnn train text: --minutes must be in [0.01, 10080], got 0.0",
            "train text --minutes -1 | rnn train text: --minutes must be in [0.01, 10080], got -1.0",
            "train text --minutes NaN | rnn train text: --minutes must be in [0.01, 10080], got NaN",
            "train text --steps -5 | rnn train text: --steps must be in [0, 1000000000000], got -5",
            "train series --window 2147483647 | rnn train series: --window must be in [1, 100000], got 2147483647",
            "train text --hidden 100000 | rnn train text: --hidden must be in [1, 8192], got 100000",
            "train sequences --layers 100000 | rnn train sequences: --layers must be in [1, 16], got 100000",
            "sample --model m --length 10000001 | rnn sample: --length must be in [0, 10000000], got 10000001",
            "experiment gradients --radii 1,NaN | rnn experiment gradients: --radii must be in [0.001, 100], got NaN",
            "experiment memory --length 50,0 | rnn experiment memory: --length must be in [1, 100000], got 0",
            "experiment text --budget Infinity | rnn experiment text: --budget must be in [0.1, 604800], got Infinity",
            "info --threads 0 | rnn info: --threads must be in [1, 1024], got 0",
            "train text --checkpoint-every x | rnn train text: --checkpoint-every must be N steps or N followed by s, m or h (N >= 1), e.g. 500 or 10m; got 'x'",
            "train text --cell bogus | rnn train text: unknown cell type 'bogus'; expected one of lstm, gru, gru_reset_before, rnn (= rnn_tanh), rnn_tanh, rnn_relu",
            "train text --bogus | rnn train text: Unknown option: '--bogus'",
            "train text --hidden 1e3 | rnn train text: Invalid value for option '--hidden': '1e3' is not an int",
            "experiment classify --cells lstm,bogus | rnn experiment classify: unknown cell type 'bogus'; expected one of lstm, gru, gru_reset_before, rnn (= rnn_tanh), rnn_tanh, rnn_relu",
            "sample --model | rnn sample: Missing required parameter for option '--model' (<model>)",
            "frobnicate | rnn: Unmatched argument at index 0: 'frobnicate'"})
    void badOptionsAreOneLineAndExitCode1(String args, String expected) {
        Run run = rnn(args.split(" "));
        assertEquals(1, run.exit(), run.out());
        String line = run.err().strip();                  // a parse error points at the help, a value checked later need not
        String help = " (see " + expected.substring(0, expected.indexOf(':')) + " --help)";
        assertEquals(expected + (line.endsWith(help) ? help : ""), line);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "classify | rnn experiment classify: --hidden 4096 --batch 2048 (gru, windows of 60 steps) would make a network of",
            "forecast | rnn experiment forecast: --hidden 4096 --batch 2048 (lstm, windows of 48 values) would make a network of"})
    void labNetworksTooLargeToTrainAreRefusedWithTheirSize(String experiment, String expected) {
        Path out = dir.resolve("lab");
        long started = System.nanoTime();
        Run run = rnn("experiment", experiment, "--hidden", "4096", "--batch", "2048", "--out", out.toString());
        assertEquals(1, run.exit(), run.out());
        String line = run.err().strip();
        assertTrue(line.startsWith(expected) && line.contains(" GiB to train (") && line.endsWith("the limit is 8.0 GiB: make it smaller"),
                line);
        assertEquals(1, line.lines().count());
        assertTrue((System.nanoTime() - started) / 1e9 < 20, "refused up front");
        assertFalse(Files.exists(out));
    }

    @Test
    void aCorpusNotInUtf8NamesTheFileAndTheOffset() throws Exception {
        Path corpus = Files.write(dir.resolve("latin1.txt"), ("abc caf\u00e9 " + "x".repeat(5000)).getBytes(StandardCharsets.ISO_8859_1));
        Run run = rnn("train", "text", "--corpus", corpus.toString(), "--steps", "1", "--out", dir.resolve("t").toString());
        assertEquals(1, run.exit(), run.out());
        assertEquals("rnn train text: " + corpus + " is not valid UTF-8 text: the byte at offset 7 (0xE9) is not a UTF-8 character; "
                + "convert it to UTF-8 (e.g. iconv -t UTF-8)", run.err().strip());
    }

    @Test
    void controlCharactersInCsvIdsLabelsAndColumnsAreRefusedNeverWrittenRaw() throws Exception {
        StringBuilder rows = new StringBuilder("id,t,x,y\n");
        for (int i = 0; i < 20; i++) {
            rows.append("s").append(i).append(",0,").append(i).append(",").append(i % 2).append('\n')
                    .append("s").append(i).append(",1,").append(-i).append(",").append(i % 2).append('\n');
        }
        Path clean = Files.writeString(dir.resolve("clean.csv"), rows);
        String[] train = {"train", "sequences", "--id", "id", "--time", "t", "--label", "y", "--hidden", "4", "--steps", "1"};
        Path out = dir.resolve("seq");
        Run trained = rnn(concat(train, "--csv", clean.toString(), "--out", out.toString()));
        assertEquals(0, trained.exit(), trained.err());
        Path model = out.resolve("model.safetensors");

        Path badId = Files.writeString(dir.resolve("id.csv"), "id,t,x,y\ns1,0,1,0\n\u001b]0;pwned\u0007,0,1,1\n");
        for (Run run : List.of(rnn(concat(train, "--csv", badId.toString(), "--out", dir.resolve("o").toString())),
                rnn("predict", "--model", model.toString(), "--csv", badId.toString()))) {
            assertEquals(1, run.exit(), run.out());
            assertTrue(run.err().strip().endsWith(badId + " line 3: column 'id' (the sequence id) has a control character (U+001B) at "
                    + "character 1; ids and labels must be printable text"), run.err());
            assertTrue(run.out().chars().noneMatch(c -> c == 0x1b || c == 0x07), "nothing raw on standard output: " + run.out());
        }
        Path badLabel = Files.writeString(dir.resolve("label.csv"), "id,t,x,y\ns1,0,1,0\ns2,0,1,\u009b1\n");
        Run label = rnn(concat(train, "--csv", badLabel.toString(), "--out", dir.resolve("o").toString()));
        assertEquals(1, label.exit(), label.out());
        assertTrue(label.err().contains("column 'y' (the label) has a control character (U+009B)"), label.err());
        Path badColumn = Files.writeString(dir.resolve("column.csv"), "id,t,x\u001b[2J,y\ns1,0,1,0\ns2,0,1,1\n");
        Run column = rnn(concat(train, "--csv", badColumn.toString(), "--out", dir.resolve("o").toString()));
        assertEquals(1, column.exit(), column.out());
        assertEquals("rnn train sequences: " + badColumn + ": column name 'x\\u001b[2J' (field 3) has a control character; "
                + "column names, like ids and labels, must be printable text: rename it", column.err().strip());
        assertFalse(Files.exists(dir.resolve("o")));

        Path named = HostileModelFileTest.edited(model, "\"model.class_names\":\"0\\n", "\"model.class_names\":\"\\u001b[2J\\n",
                dir.resolve("classes.safetensors"));                      // the model file's class name of class 0: an escape sequence
        Run predicted = rnn("predict", "--model", named.toString(), "--csv", clean.toString());
        assertEquals(0, predicted.exit(), predicted.err());
        assertTrue(predicted.out().chars().noneMatch(c -> c == 0x1b), predicted.out());
        assertTrue(predicted.out().startsWith("id,predicted_y,probability\n"), predicted.out());
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, unit = java.util.concurrent.TimeUnit.SECONDS)
    void aCsvWithAHundredThousandColumnsIsReadOnceNotOncePerColumn() throws Exception {
        int n = 100_000;                                        // reading the header once per column: 10^10 comparisons, hours
        StringBuilder csv = new StringBuilder("id,y");
        for (int i = 0; i < n; i++) csv.append(",c").append(i);
        for (int row = 0; row < 4; row++) {
            csv.append('\n').append("s").append(row).append(',').append(row % 2);
            for (int i = 0; i < n; i++) csv.append(",1");
        }
        Path wide = Files.writeString(dir.resolve("wide.csv"), csv.append('\n'));
        Run run = rnn("train", "sequences", "--csv", wide.toString(), "--id", "id", "--label", "y", "--hidden", "2", "--steps", "1",
                "--validation", "0.5", "--out", dir.resolve("w").toString());
        assertTrue(run.err().lines().count() <= 1, run.err());
        assertTrue(run.exit() == 0 || run.err().startsWith("rnn train sequences: "), run.err());
    }

    @Test
    void seriesValuesBeyondTheFloatRangeNameTheFile() throws Exception {
        StringBuilder csv = new StringBuilder("time,value\n");
        for (int i = 0; i < 200; i++) csv.append(i).append(',').append(i == 7 ? "1e308" : Integer.toString(i % 9)).append('\n');
        Path file = Files.writeString(dir.resolve("huge.csv"), csv);
        Run run = rnn("train", "series", "--csv", file.toString(), "--steps", "1", "--hidden", "2", "--window", "4", "--batch", "2",
                "--holdout", "10", "--out", dir.resolve("s").toString());
        assertEquals(1, run.exit(), run.out());
        assertTrue(run.err().strip().startsWith("rnn train series: " + file) && run.err().contains(": value 8 of the series is 1.0E308, beyond "
                + "the float range"), run.err());
        assertFalse(Files.exists(dir.resolve("s")));
    }

    @Test
    void anEmptyOutputDirectoryIsRefusedNotTheWorkingDirectory() {
        for (String[] args : List.of(new String[] {"train", "series", "--steps", "1", "--out", ""},
                new String[] {"experiment", "memory", "--out", ""})) {
            Run run = rnn(args);
            assertEquals(1, run.exit(), run.out());
            assertTrue(run.err().strip().endsWith(": --out is empty; name the output directory (\".\" for the working directory)"), run.err());
        }
    }

    @Test
    void networksTooLargeToTrainAreRefusedWithTheirSize() {
        Run run = rnn("train", "text", "--hidden", "8192", "--layers", "16", "--steps", "1", "--out", dir.resolve("m").toString());
        assertEquals(1, run.exit());
        assertEquals("rnn train text: --hidden 8192 --layers 16 --embedding 64 --batch 32 --seq-len 64 would make a network of "
                + "8,326,758,656 parameters (31.0 GiB of weights) needing about 130.1 GiB to train (weights, gradients, Adam moments "
                + "and activations); the limit is 8.0 GiB: make it smaller", run.err().strip());
        assertFalse(Files.exists(dir.resolve("m")));
    }

    @Test
    void everyNumericOptionHasARangeAndEveryOptionADescription() {
        walk(RnnCommand.commandLine().getCommandSpec());
    }

    private static void walk(CommandSpec command) {
        for (OptionSpec option : command.options()) {
            String name = command.qualifiedName() + " " + option.longestName();
            assertTrue(option.description().length > 0 && !option.description()[0].isBlank(), name + " has a description");
            if (option.userObject() instanceof Field field && numeric(field) && !option.longestName().equals("--seed")
                    && !command.qualifiedName().startsWith("rnn bench")) {
                assertNotNull(field.getAnnotation(Range.class), name + " has a @Range");
            }
        }
        assertNotNull(command.findOption("--verbose"), command.qualifiedName() + " takes --verbose");
        command.subcommands().values().forEach(sub -> walk(sub.getCommandSpec()));
    }

    private static boolean numeric(Field field) {
        Class<?> type = field.getType().isArray() ? field.getType().getComponentType() : field.getType();
        return type.isPrimitive() && type != boolean.class || Number.class.isAssignableFrom(type);
    }

    @Test
    void helpShowsDefaults() {
        Run help = rnn("train", "text", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().matches("(?s).*--hidden=<hidden>\\s+Hidden units per layer\\.\\s+Default: 256.*"), help.out());
    }

    @Test
    void quietByDefaultVerboseOnRequest() {
        rnn("info");
        assertEquals(Level.WARNING, LibraryLogging.level());
        rnn("info", "--verbose");
        assertEquals(Level.INFO, LibraryLogging.level());
        rnn("--verbose", "info");
        assertEquals(Level.INFO, LibraryLogging.level());
        rnn("info");
        assertEquals(Level.WARNING, LibraryLogging.level());
    }

    @Test
    void pipesAndDirectoriesAreRefusedNotRead() throws Exception {
        Run directory = rnn("sample", "--model", dir.toString());
        assertEquals("rnn sample: model file " + dir + " is not a regular file (a directory, pipe or device); name a file",
                directory.err().strip());
        Path fifo = dir.resolve("fifo");
        Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo");
        for (String[] args : List.of(new String[] {"train", "series", "--csv", fifo.toString()},
                new String[] {"train", "text", "--corpus", fifo.toString(), "--steps", "1"},
                new String[] {"predict", "--model", fifo.toString(), "--csv", "x.csv"},
                new String[] {"train", "sequences", "--csv", fifo.toString(), "--id", "i", "--label", "l"})) {
            Run run = rnn(args);
            assertEquals(1, run.exit(), run.err());
            assertTrue(run.err().strip().endsWith(fifo + " is not a regular file (a directory, pipe or device); name a file"), run.err());
        }
    }

    @Test
    void hugeFilesAreRefusedBeforeReading() throws Exception {
        Path big = dir.resolve("big.csv");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength((256L << 20) + 1);                           // sparse: takes no disk
        }
        Run run = rnn("train", "series", "--csv", big.toString());
        assertEquals("rnn train series: CSV file " + big + " is 256.0 MiB (268435457 bytes); the limit is 256.0 MiB (268435456 bytes)",
                run.err().strip());

        Path bomb = dir.resolve("bomb.csv.gz");                      // 1 MiB of gzip, 257 MiB of CSV
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(bomb)) {{ def.setLevel(Deflater.BEST_SPEED); }}) {
            out.write("id,t,x,label\n".getBytes(StandardCharsets.US_ASCII));
            byte[] rows = "a,1,0.5,up\n".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
            for (long written = 0; written <= 257L << 20; written += rows.length) {
                out.write(rows);
            }
        }
        Run sequences = rnn("train", "sequences", "--csv", bomb.toString(), "--id", "id", "--label", "label", "--out", dir.resolve("o").toString());
        assertEquals("rnn train sequences: CSV file " + bomb + " holds more than 256.0 MiB (268435456 bytes) once decompressed, the "
                + "limit for reading it into memory", sequences.err().strip());    // the CLI's bound, kept by the library's reader
        Path text = dir.resolve("bomb.txt.gz");
        Files.copy(bomb, text);
        Run corpus = rnn("train", "text", "--corpus", text.toString(), "--steps", "1");
        assertTrue(corpus.err().strip().startsWith("rnn train text: corpus file " + text + " holds more than 256.0 MiB"), corpus.err());
    }

    @Test
    void brokenGzipAndControlCharactersAreNamedAndEscaped() throws Exception {
        Path gz = dir.resolve("bad.csv.gz");
        Files.write(gz, new byte[] {0x1f, (byte) 0x8b, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9});
        Run run = rnn("train", "series", "--csv", gz.toString());
        assertEquals("rnn train series: CSV file " + gz + " is not valid gzip data: Unsupported compression method", run.err().strip());
        Path truncated = dir.resolve("truncated.csv.gz");
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(whole)) {
            out.write("time,value\n1,2\n2,3\n3,4\n".repeat(50).getBytes(StandardCharsets.US_ASCII));
        }
        Files.write(truncated, java.util.Arrays.copyOf(whole.toByteArray(), whole.size() / 2));
        Run cut = rnn("train", "series", "--csv", truncated.toString());
        assertTrue(cut.err().strip().startsWith("rnn train series: CSV file " + truncated + " is not valid gzip data: "), cut.err());

        Path csv = dir.resolve("esc\u001b]0;x\u0007.csv");
        Files.writeString(csv, "ti\u001b[31mme,va\u009blue\n1,2\n");
        Run escaped = rnn("train", "series", "--csv", csv.toString());
        assertEquals(1, escaped.exit());
        assertTrue(escaped.err().contains("columns are ti\\u001b[31mme, va\\u009blue"), escaped.err());
        assertTrue(escaped.err().contains("esc\\u001b]0;x\\u0007.csv"), escaped.err());
        assertTrue(escaped.err().chars().noneMatch(c -> c == 0x1b || c == 0x9b || c == 0x07), escaped.err());
    }

    @Test
    void aSeasonLongerThanTheFittedSeriesIsRefusedBeforeTraining() throws Exception {
        Path csv = dir.resolve("s.csv");
        StringBuilder text = new StringBuilder("\uFEFFtime,value\r\n");
        for (int i = 0; i < 200; i++) {
            text.append(i).append(',').append(i % 7).append("\r\n");
        }
        Files.writeString(csv, text);
        Path out = dir.resolve("o");
        Run run = rnn("train", "series", "--csv", csv.toString(), "--column", "time", "--hidden", "4", "--steps", "1",
                "--holdout", "12", "--period", "1000", "--out", out.toString());
        assertEquals(1, run.exit(), run.out());
        assertEquals("rnn train series: --period must be less than the 176 values fitted (MASE compares with the seasonal naive "
                + "forecast over them), got 1000", run.err().strip());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void aHeaderWithABlankOrRepeatedNameIsNamedWhenEveryOtherColumnIsAFeature() throws Exception {
        Path blank = dir.resolve("blank.csv");
        Files.writeString(blank, "id,t,,label\n" + "a,0,1,up\nb,0,2,down\n".repeat(5));
        Run run = rnn("train", "sequences", "--csv", blank.toString(), "--id", "id", "--label", "label", "--hidden", "4", "--steps", "1",
                "--out", dir.resolve("o").toString());
        assertEquals(1, run.exit(), run.out());
        assertEquals("rnn train sequences: " + blank + " has no name for field 3 of its header; name it or choose the feature columns "
                + "with --features", run.err().strip());
        Path twice = dir.resolve("twice.csv");
        Files.writeString(twice, "id,x,x,label\n" + "a,0,1,up\nb,0,2,down\n".repeat(5));
        Run repeated = rnn("train", "sequences", "--csv", twice.toString(), "--id", "id", "--label", "label", "--hidden", "4",
                "--steps", "1", "--out", dir.resolve("o").toString());
        assertEquals("rnn train sequences: " + twice + " names column 'x' twice in its header (fields 2 and 3); rename one or choose "
                + "the feature columns with --features", repeated.err().strip());
        assertFalse(Files.exists(dir.resolve("o")), "nothing written");
    }

    @Test
    void anExperimentWhoseOutputCannotBeWrittenIsRefusedBeforeItRuns() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        for (String experiment : List.of("gradients", "memory", "classify", "forecast", "text")) {
            Run run = rnn("experiment", experiment, "--budget", "0.1", "--out", file.toString());
            assertEquals(1, run.exit(), run.out());
            assertEquals("rnn experiment " + experiment + ": the output directory " + file + " is not writable (" + file.toAbsolutePath()
                    + " is not a directory); choose another with --out", run.err().strip());
            assertTrue(run.out().isEmpty(), "nothing ran: " + run.out());
        }
    }

    @Test
    void aPrimeTheModelCannotReadNamesThePrimeEvenWhenItIsTheDefault() throws Exception {
        Path corpus = Files.writeString(dir.resolve("c.txt"), "abc def abc def\n".repeat(200));
        Path out = dir.resolve("t");
        assertEquals(0, rnn("train", "text", "--corpus", corpus.toString(), "--steps", "1", "--hidden", "4", "--embedding", "4",
                "--layers", "1", "--batch", "2", "--seq-len", "8", "--out", out.toString()).exit());
        Run run = rnn("sample", "--model", out.resolve("model.safetensors").toString(), "--length", "5");
        assertEquals(1, run.exit(), run.out());
        assertEquals("rnn sample: --prime 'And ': character 'A' (U+41) at position 0 is not one of the 8 characters the model knows; "
                + "start from characters of the text it was trained on", run.err().strip());
        Run escaped = rnn("sample", "--model", out.resolve("model.safetensors").toString(), "--prime", "ab\u001b[2J");
        assertEquals("rnn sample: --prime 'ab\\u001b[2J': character '\\u001b' (U+1B) at position 2 is not one of the 8 characters the "
                + "model knows; start from characters of the text it was trained on", escaped.err().strip());
    }

    @Test
    void samplesPrintedWhileTrainingEscapeTheCorpusControlCharacters() throws Exception {
        Path corpus = Files.writeString(dir.resolve("c.txt"), "a\u001b[31mb\u0007c\n".repeat(300));
        Run run = rnn("train", "text", "--corpus", corpus.toString(), "--steps", "2", "--hidden", "4", "--embedding", "4", "--layers", "1",
                "--batch", "2", "--seq-len", "8", "--sample-every", "1", "--out", dir.resolve("t").toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("--- sample"), run.out());
        assertTrue(run.out().chars().noneMatch(c -> c == 0x1b || c == 0x07), run.out());
        assertTrue(run.out().contains("\\u001b") || run.out().contains("\\u0007"), run.out());
    }
}
