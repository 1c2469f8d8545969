package dev.panamarnn.cli;

import static dev.panamarnn.cli.CliEndToEndTest.rnn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long run is not lost: an output directory that cannot be written is refused before training;
 * --checkpoint-every writes checkpoints a run resumes from (--resume); SIGTERM to a training JVM
 * writes a last checkpoint that resumes.
 */
class RunSafetyTest {
    @TempDir
    Path dir;

    private static final String[] SMALL_SERIES = {"--hidden", "8", "--window", "24", "--batch", "8", "--holdout", "24"};

    private static String[] series(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "series"));
        args.addAll(List.of(SMALL_SERIES));
        args.addAll(List.of("--out", out.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void anUnwritableOutputOrABadIntervalIsRefusedBeforeTraining() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        for (String[] args : List.of(series(file.resolve("out"), "--steps", "5"),
                new String[] {"train", "text", "--steps", "5", "--out", file.resolve("t").toString()},
                new String[] {"train", "sequences", "--steps", "5", "--out", file.resolve("s").toString()})) {
            var run = rnn(args);
            assertEquals(1, run.exit(), run.err());
            assertTrue(run.err().contains("is not writable") && run.err().contains("--out"), run.err());
            assertTrue(!run.out().contains("model:"), "nothing was trained: " + run.out());
        }
        var bad = rnn(series(dir.resolve("s"), "--steps", "5", "--checkpoint-every", "10 minutes"));
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("--checkpoint-every must be N steps or N followed by s, m or h"), bad.err());
        var missing = rnn(series(dir.resolve("s"), "--steps", "5", "--resume", dir.resolve("none").toString()));
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("is not a regular file"), missing.err());
    }

    @Test
    void aResumeWithOtherDataIsRefused() throws Exception {
        Path out = dir.resolve("s");
        assertEquals(0, rnn(series(out, "--steps", "2")).exit());
        Path checkpoint = out.resolve("series.safetensors");
        Path other = dir.resolve("other.csv");
        StringBuilder csv = new StringBuilder("time,value\n");
        for (int i = 0; i < 300; i++) {
            csv.append(i).append(',').append(Math.sin(i / 5.0)).append('\n');
        }
        Files.writeString(other, csv);
        var series = rnn(series(dir.resolve("s2"), "--steps", "4", "--csv", other.toString(), "--resume", checkpoint.toString()));
        assertEquals(1, series.exit(), series.out());
        assertTrue(series.err().startsWith("rnn train series: --resume " + checkpoint + " was trained on other data (3129 values, hash "),
                series.err());
        assertTrue(series.err().strip().endsWith("): resume with the data and options it was trained with"), series.err());

        Path corpus = dir.resolve("a.txt"), shuffled = dir.resolve("b.txt");     // the same characters, other text
        Files.writeString(corpus, "abc def abc def\n".repeat(200));
        Files.writeString(shuffled, "fed cba fed cba\n".repeat(200));
        String[] tiny = {"--steps", "2", "--hidden", "4", "--embedding", "4", "--layers", "1", "--batch", "2", "--seq-len", "8"};
        var text = rnn(concat(new String[] {"train", "text", "--corpus", corpus.toString(), "--out", dir.resolve("t").toString()}, tiny));
        assertEquals(0, text.exit(), text.err());
        var resumed = rnn(concat(new String[] {"train", "text", "--corpus", shuffled.toString(), "--out", dir.resolve("t2").toString(),
                "--resume", dir.resolve("t").resolve("model.safetensors").toString()}, tiny));
        assertEquals(1, resumed.exit(), resumed.out());
        assertTrue(resumed.err().contains("was trained on other data (3200 tokens, hash "), resumed.err());
        assertTrue(!Files.exists(dir.resolve("t2")), "nothing written");
    }

    @Test
    void aSecondRunIntoTheSameOutputIsRefusedWhileTheFirstRuns() throws Exception {
        Path out = Files.createDirectories(dir.resolve("busy"));
        Path lock = out.resolve(RunSafety.LOCK_FILE);
        try (var channel = java.nio.channels.FileChannel.open(lock, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE); var held = channel.lock()) {
            var second = rnn(series(out, "--steps", "2"));
            assertEquals(1, second.exit(), second.out());
            assertEquals("rnn train series: another run is writing to " + out + " (it holds " + lock + "): wait for it to end or "
                    + "choose another --out", second.err().strip());
            assertTrue(!Files.exists(out.resolve("series.safetensors")), "nothing written");
        }
        Files.delete(lock);
        var alone = rnn(series(out, "--steps", "2"));
        assertEquals(0, alone.exit(), alone.err());
        assertTrue(!Files.exists(lock), "the lock file goes with the run");
    }

    @Test
    void aResumeFromAnotherKindOfModelIsRefusedBeforeTraining() throws Exception {
        String[] tiny = {"--steps", "2", "--hidden", "4", "--embedding", "4", "--layers", "1", "--batch", "2", "--seq-len", "8"};
        Path corpus = Files.writeString(dir.resolve("a.txt"), "abc def abc def\n".repeat(200));
        assertEquals(0, rnn(concat(new String[] {"train", "text", "--corpus", corpus.toString(), "--out", dir.resolve("t").toString()},
                tiny)).exit());
        Path text = dir.resolve("t").resolve("model.safetensors");
        var series = rnn(series(dir.resolve("s"), "--steps", "2", "--resume", text.toString()));
        assertEquals(1, series.exit(), series.out());
        assertEquals("rnn train series: model file " + text + ": a forecaster needs a unidirectional model of one feature regressing one value per step; this "
                + "model reads tokens, language_model of 8 value(s), per_step", series.err().strip());
        var sequences = rnn("train", "sequences", "--hidden", "4", "--steps", "2", "--resume", text.toString(), "--out",
                dir.resolve("q").toString());
        assertEquals("rnn train sequences: --resume " + text + " is not a checkpoint of `rnn train sequences` (it names no CSV columns): "
                + "resume with the model.safetensors a sequences run wrote", sequences.err().strip());
        assertTrue(!Files.exists(dir.resolve("s")) && !Files.exists(dir.resolve("q")), "nothing written");
    }

    @Test
    void aResumeWithAnotherArchitectureGivenIsRefusedAndUnspecifiedOptionsTakeTheCheckpoints() throws Exception {
        Path out = dir.resolve("s");
        assertEquals(0, rnn(series(out, "--steps", "2", "--cell", "gru")).exit());    // --hidden 8, --layers 1
        Path checkpoint = out.resolve("series.safetensors");
        for (String[] given : List.of(new String[] {"--hidden", "16", "8"}, new String[] {"--cell", "lstm", "gru"},
                new String[] {"--layers", "2", "1"})) {
            var run = rnn("train", "series", "--window", "24", "--batch", "8", "--holdout", "24", "--out", dir.resolve("s2").toString(),
                    "--steps", "4", given[0], given[1], "--resume", checkpoint.toString());
            assertEquals(1, run.exit(), run.out());
            assertEquals("rnn train series: --resume " + checkpoint + " is a run with " + given[0] + " " + given[2] + ", the command line "
                    + "gives " + given[0] + " " + given[1] + ": drop " + given[0] + " to continue the checkpoint's run, or start a new run "
                    + "without --resume", run.err().strip());
            assertTrue(!Files.exists(dir.resolve("s2")), "nothing written");
        }
        var same = rnn(series(dir.resolve("s3"), "--steps", "4", "--cell", "GRU", "--layers", "1", "--resume", checkpoint.toString()));
        assertEquals(0, same.exit(), same.err());                 // the checkpoint's values given again (SMALL_SERIES gives --hidden 8)
        var otherBatch = rnn("train", "series", "--window", "24", "--batch", "16", "--holdout", "24", "--out", dir.resolve("s4").toString(),
                "--steps", "4", "--resume", checkpoint.toString());   // batches of 16, not the checkpoint's 8: not the same run
        assertEquals(1, otherBatch.exit(), otherBatch.out());
        assertEquals(1, otherBatch.err().strip().lines().count(), otherBatch.err());
        assertTrue(otherBatch.err().contains("was trained with other settings: train.batch_size 8 (this trainer: 16)"), otherBatch.err());

        Path corpus = Files.writeString(dir.resolve("a.txt"), "abc def abc def\n".repeat(200));
        String[] tiny = {"--steps", "2", "--layers", "1", "--batch", "2", "--seq-len", "8"};
        assertEquals(0, rnn(concat(new String[] {"train", "text", "--corpus", corpus.toString(), "--hidden", "4", "--embedding", "4",
                "--out", dir.resolve("t").toString()}, tiny)).exit());
        Path text = dir.resolve("t").resolve("model.safetensors");
        var unspecified = rnn(concat(new String[] {"train", "text", "--corpus", corpus.toString(), "--out", dir.resolve("t2").toString(),
                "--resume", text.toString()}, tiny));                // --hidden and --embedding not given: the checkpoint's 4 and 4
        assertEquals(0, unspecified.exit(), unspecified.err());
        assertTrue(unspecified.out().contains("model: lstm, embedding 4, hidden 4, 1 layer(s)"), unspecified.out());
        var embedding = rnn(concat(new String[] {"train", "text", "--corpus", corpus.toString(), "--embedding", "64", "--out",
                dir.resolve("t3").toString(), "--resume", text.toString()}, tiny));
        assertEquals(1, embedding.exit(), embedding.out());
        assertTrue(embedding.err().startsWith("rnn train text: --resume " + text + " is a run with --embedding 4, the command line gives "
                + "--embedding 64"), embedding.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void checkpointsEveryNStepsResume() throws Exception {
        Path out = dir.resolve("series");
        var first = rnn(series(out, "--steps", "12", "--checkpoint-every", "5"));
        assertEquals(0, first.exit(), first.err());
        Path model = out.resolve("series.safetensors");
        assertEquals("12", metadata(model, "train.step"));
        var again = rnn(series(out, "--steps", "3", "--resume", model.toString()));
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("resumed from " + model + " at step 12"), again.out());
        assertEquals("15", metadata(model, "train.step"));
        assertEquals("24", metadata(model, "series.holdout"), "the application's metadata is in every checkpoint");
    }

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void sigtermWritesALastCheckpoint() throws Exception {
        Path out = dir.resolve("signalled");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), RnnCommand.class.getName()));
        command.addAll(List.of(series(out, "--steps", "100000000")));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines = new ArrayList<>();
        try (AutoCloseable killedAtTheEnd = child::destroyForcibly; BufferedReader stdout = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line = stdout.readLine();                               // "series ...: N values; fitting ..."
            assertTrue(line != null && line.contains("fitting"), "the run started: " + line);
            Thread.sleep(2500);                                            // it trains
            child.toHandle().destroy();                                    // SIGTERM (Process.destroy would close our pipes)
            while ((line = stdout.readLine()) != null) {
                lines.add(line);
            }
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child exited");
        }
        assertTrue(child.exitValue() != 0, "a signalled run does not exit 0");
        assertTrue(String.join("\n", lines).contains("stopped by a signal: checkpoint written to"), String.join("\n", lines));
        Path model = out.resolve("series.safetensors");
        long step = Long.parseLong(metadata(model, "train.step"));
        assertTrue(step > 0, "the checkpoint holds the steps taken: " + step);
        var resumed = rnn(series(out, "--steps", "2", "--resume", model.toString()));
        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(resumed.out().contains("at step " + step), resumed.out());
    }

    private static String metadata(Path file, String key) throws Exception {
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            return f.metadata().get(key);
        }
    }
}
