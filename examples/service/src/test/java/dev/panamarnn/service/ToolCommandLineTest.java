package dev.panamarnn.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.model.SequenceModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The tools' command lines in-process: every user error is exactly one line "tool: problem" on
 * standard error, nothing on standard output, and exit code 1; --help shows each option's default.
 */
class ToolCommandLineTest {
    @TempDir
    Path dir;

    /** What one run printed and returned. */
    private record Run(int exit, String out, String err) {}

    private static Run run(Callable<Integer> command, String... args) {
        CommandLine cli = ToolCommandLine.of(command);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** Exit code 1, nothing on standard output, and one line on standard error: the tool's name, then {@code problem}. */
    private static void assertOneLineError(String tool, String problem, Run run) {
        assertEquals(1, run.exit(), () -> "exit code; stderr: " + run.err());
        assertEquals("", run.out(), "standard output");
        String[] lines = run.err().split("\\R");
        assertEquals(1, lines.length, () -> "one line on standard error, got: " + run.err());
        assertTrue(lines[0].startsWith(tool + ": "), () -> "starts with the tool's name: " + lines[0]);
        assertTrue(lines[0].contains(problem), () -> "names the problem '" + problem + "': " + lines[0]);
    }

    @Test
    void badOptionsOfTheServiceAreOneLineAndExitCode1() {
        String tool = "panama-rnn-service";
        assertOneLineError(tool, "--port must be in [0, 65535], got 70000", run(new ServiceMain(), "--model", "m", "--port", "70000"));
        assertOneLineError(tool, "--max-batch must be in [1, 4096], got 0", run(new ServiceMain(), "--model", "m", "--max-batch", "0"));
        assertOneLineError(tool, "Unknown options: '--maxBatch', '4'", run(new ServiceMain(), "--model", "m", "--maxBatch", "4"));
        assertOneLineError(tool, "Unmatched argument at index 2: 'maxBatch=4'", run(new ServiceMain(), "--model", "m", "maxBatch=4"));
        assertOneLineError(tool, "'abc' is not an int", run(new ServiceMain(), "--model", "m", "--queue", "abc"));
        assertOneLineError(tool, "Missing required option: '--model=FILE'", run(new ServiceMain()));
        assertOneLineError(tool, "expected one of [NIO, EPOLL, AUTO]", run(new ServiceMain(), "--model", "m", "--transport", "kqueue"));
        assertOneLineError(tool, "\\u000a", run(new ServiceMain(), "--model", "m", "--queue", "1\n2"));   // never a raw line break
    }

    @Test
    void badModelFilesAreOneLineAndExitCode1() throws Exception {
        Path missing = dir.resolve("missing.safetensors");
        assertOneLineError("panama-rnn-service", missing.toString(), run(new ServiceMain(), "--model", missing.toString(), "--port", "0"));
        Path text = Files.writeString(dir.resolve("text.safetensors"), "not a model\nat all\n");
        assertOneLineError("panama-rnn-service", "not a safetensors file", run(new ServiceMain(), "--model", text.toString(), "--port", "0"));
        assertOneLineError("LoadGenerator", "not a safetensors file", run(new LoadGenerator(), "--target", "bare", "--model", text.toString()));
        assertOneLineError("IdleFootprint", "not a safetensors file", run(new IdleFootprint(), "--model", text.toString()));
        Path tokens = dir.resolve("tokens.safetensors");
        try (SequenceModel model = SequenceModel.builder().tokens(20, 4).languageModel().cell(CellType.GRU).hidden(8).seed(3).build()) {
            model.save(tokens);
        }
        assertOneLineError("panama-rnn-service", "is a token model (rnn train text)", run(new ServiceMain(), "--model", tokens.toString(), "--port", "0"));
    }

    @Test
    void aPortInUseIsOneLineAndExitCode1() throws Exception {
        Path file = dir.resolve("series.safetensors");
        try (SequenceModel model = SequenceModel.builder().features(1).cell(CellType.LSTM).hidden(8).regress(1).seed(5).build()) {
            model.save(file);
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String port = Integer.toString(taken.getLocalPort());
            for (String transport : new String[] {"epoll", "nio", "auto"}) {
                Run run = run(new ServiceMain(), "--model", file.toString(), "--port", port, "--transport", transport);
                assertOneLineError("panama-rnn-service", "cannot listen on 127.0.0.1:" + port + ": ", run);
                assertTrue(run.err().contains("Address already in use"), () -> transport + ": " + run.err());
            }
        }
    }

    @Test
    void badOptionsOfTheLoadGeneratorAndIdleFootprintAreOneLineAndExitCode1() {
        assertOneLineError("LoadGenerator", "--rates must be in [1, 1000000], got 0", run(new LoadGenerator(), "--rates", "5000,0"));
        assertOneLineError("LoadGenerator", "expected one of [HTTP, BARE]", run(new LoadGenerator(), "--target", "ftp"));
        assertOneLineError("LoadGenerator", "--target bare needs --model FILE", run(new LoadGenerator(), "--target", "bare"));
        assertOneLineError("LoadGenerator", "--streams must be in [1, 1000000], got 0", run(new LoadGenerator(), "--streams", "0"));
        assertOneLineError("IdleFootprint", "--counts must increase, got 100 then 10", run(new IdleFootprint(), "--model", "m", "--counts", "100,10"));
        assertOneLineError("IdleFootprint", "Missing required option: '--model=FILE'", run(new IdleFootprint()));
    }

    @Test
    void helpShowsEveryOptionWithItsDefault() {
        Run help = run(new ServiceMain(), "--help");
        assertEquals(0, help.exit());
        for (String option : new String[] {"--model", "--port", "--bind", "--max-streams", "--max-live", "--queue", "--max-batch",
                "--idle-millis", "--io-threads", "--transport", "--verbose"}) {
            assertTrue(help.out().contains(option), () -> option + " in --help: " + help.out());
        }
        assertTrue(help.out().contains("Default: " + ServiceSettings.DEFAULT_MAX_STREAMS), help.out());
        Run load = run(new LoadGenerator(), "--help");
        assertEquals(0, load.exit());
        assertTrue(load.out().contains("--settle-millis") && load.out().contains("Default: 3000"), load.out());
    }
}
