package dev.panamarnn.cli;

import static dev.panamarnn.cli.CliEndToEndTest.rnn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rnn bench} on tiny shapes with short rounds: every row has both modes measured against a
 * positive bound, the FLOP counts of the formula, the pure-Java times, and the JSON file;
 * bad settings are refused. Speed itself is not asserted (benchmarks, not tests, measure it).
 */
class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void tinyShapesGiveCompleteRows() throws Exception {
        Path json = dir.resolve("bench.json");
        CliEndToEndTest.Run run = rnn("bench", "--cells", "lstm,gru", "--shape", "6,3,5,8", "--shape", "4,2,3,4,2,bi",
                "--rounds", "2", "--measure", "0.02", "--warmup", "0.01", "--java-max-seconds", "1", "--json", json.toString());
        assertEquals(0, run.exit(), run.err() + run.out());
        assertTrue(run.out().contains("lstm T=6 B=3 I=5 H=8"), run.out());
        JsonNode doc = new ObjectMapper().readTree(Files.readString(json));
        assertTrue(doc.get("smallGemm").asBoolean());
        JsonNode rows = doc.get("rows");
        assertEquals(4, rows.size());
        // forward FLOPs per step, layer and direction: 2*B*(In_l+H)*G*H; training 3x
        double[] forwardFlops = {
            2.0 * 3 * (5 + 8) * 4 * 8 * 6,                                       // lstm T=6 B=3 I=5 H=8
            (2.0 * 2 * (3 + 4) * 4 * 4 + 2.0 * 2 * (8 + 4) * 4 * 4) * 4 * 2,     // lstm T=4 B=2 I=3 H=4, 2 layers, bi
            2.0 * 3 * (5 + 8) * 3 * 8 * 6,                                       // gru
            (2.0 * 2 * (3 + 4) * 3 * 4 + 2.0 * 2 * (8 + 4) * 3 * 4) * 4 * 2};
        for (int i = 0; i < rows.size(); i++) {
            JsonNode row = rows.get(i);
            assertEquals(forwardFlops[i], row.get("inferFlops").asDouble(), 1e-9, row.get("shape").asText());
            assertEquals(3 * forwardFlops[i], row.get("trainFlops").asDouble(), 1e-9);
            for (String mode : new String[] {"train", "infer"}) {
                JsonNode m = row.get(mode);
                double nativeMs = m.get("nativeMs").asDouble(), bound = m.get("bound").asDouble();
                assertTrue(nativeMs > 0 && m.get("minMs").asDouble() <= nativeMs && nativeMs <= m.get("maxMs").asDouble(), m.toString());
                assertTrue(m.get("limitMs").asDouble() > 0 && bound > 0 && Double.isFinite(bound), m.toString());
                assertTrue(m.get("boundMin").asDouble() <= bound && bound <= m.get("boundMax").asDouble(), m.toString());
                assertEquals(2, m.get("rounds").asInt());
            }
            assertTrue(row.get("javaTrainMs").asDouble() > 0 && row.get("javaInferMs").asDouble() > 0, row.toString());
        }
    }

    @Test
    void openBlasOnlyIsRecorded() throws Exception {
        Path json = dir.resolve("openblas.json");
        CliEndToEndTest.Run run = rnn("bench", "--cells", "rnn_tanh", "--shape", "3,2,4,4", "--rounds", "1", "--measure", "0.01",
                "--warmup", "0", "--java-max-seconds", "0", "--openblas-only", "--json", json.toString());
        assertEquals(0, run.exit(), run.err() + run.out());
        assertTrue(run.out().contains("--openblas-only"), run.out());
        JsonNode doc = new ObjectMapper().readTree(Files.readString(json));
        assertFalse(doc.get("smallGemm").asBoolean());
        assertTrue(doc.get("rows").get(0).get("javaTrainMs").isNull(), "pure Java skipped at --java-max-seconds 0");
    }

    @Test
    void peakIsTimedInTheSameRoundsAndTrainingIsSetAgainstIt() throws Exception {
        Path json = dir.resolve("peak.json");
        CliEndToEndTest.Run run = rnn("bench", "--cells", "gru", "--shape", "5,4,6,8", "--rounds", "1", "--measure", "0.01",
                "--warmup", "0", "--java-max-seconds", "0", "--peak", "40", "--json", json.toString());
        assertEquals(0, run.exit(), run.err() + run.out());
        assertTrue(run.out().contains("sgemm 40^3 in the same rounds: "), run.out());
        JsonNode row = new ObjectMapper().readTree(Files.readString(json)).get("rows").get(0);
        JsonNode peak = row.get("peak");
        assertEquals(40, peak.get("size").asInt());
        double peakGflops = peak.get("gflops").asDouble();
        assertTrue(peakGflops > 0 && Double.isFinite(peakGflops) && peak.get("bestGflops").asDouble() == peakGflops, peak.toString());
        // one round: training / peak is the step's GFLOP/s (trainFlops over its median) over that round's 2*40^3 / time
        JsonNode trainPeak = peak.get("trainPeak");
        double trainGflops = row.get("trainFlops").asDouble() / (row.get("train").get("nativeMs").asDouble() * 1e6);
        assertEquals(trainGflops / peakGflops, trainPeak.get("bound").asDouble(), 1e-9 * trainGflops / peakGflops, trainPeak.toString());
        assertEquals(row.get("train").get("nativeMs").asDouble(), trainPeak.get("nativeMs").asDouble());
    }

    @Test
    void withoutPeakNoneIsReported() throws Exception {
        Path json = dir.resolve("nopeak.json");
        CliEndToEndTest.Run run = rnn("bench", "--cells", "rnn_tanh", "--shape", "2,1,2,2", "--rounds", "1", "--measure", "0",
                "--warmup", "0", "--java-max-seconds", "0", "--json", json.toString());
        assertEquals(0, run.exit(), run.err() + run.out());
        assertFalse(run.out().contains("sgemm"), run.out());
        assertTrue(new ObjectMapper().readTree(Files.readString(json)).get("rows").get(0).get("peak").isNull());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "--rounds 0 | --rounds must be in [1, 1000], got 0",
            "--peak -1 | --peak must be in [0, 8192], got -1",
            "--rounds 2147483647 | --rounds must be in [1, 1000], got 2147483647",
            "--measure NaN | --measure must be in [0, 86400], got NaN",
            "--measure -1 | --measure must be in [0, 86400], got -1.0",
            "--warmup Infinity | --warmup must be in [0, 3600], got Infinity",
            "--java-max-seconds 1e300 | --java-max-seconds must be in [0, 86400], got 1.0E300",
            "--threads 0 | --threads must be in [1, 1024], got 0"})
    void numericOptionsHaveRanges(String option, String message) {
        String[] args = ("bench --cells lstm --shape 2,1,1,1 " + option + " --json " + dir.resolve("r.json")).split(" ");
        CliEndToEndTest.Run run = rnn(args);
        assertEquals(1, run.exit(), run.out());
        assertEquals("rnn bench: " + message + " (see rnn bench --help)", run.err().strip());
        assertTrue(run.out().isEmpty(), "nothing measured: " + run.out());
        assertFalse(Files.exists(dir.resolve("r.json")));
    }

    @Test
    void shapesTooLargeAndUnwritableResultsAreRefusedBeforeMeasuring() throws Exception {
        CliEndToEndTest.Run huge = rnn("bench", "--cells", "lstm", "--shape", "100000,100000,100000,100000", "--json", dir.resolve("h.json").toString());
        assertEquals(1, huge.exit(), huge.out());
        assertTrue(huge.err().strip().startsWith("rnn bench: shape '100000,100000,100000,100000' (lstm T=100000 B=100000 I=100000 "
                + "H=100000) would need about "), huge.err());
        assertTrue(huge.err().strip().endsWith(" GiB for its weights, gradients and the training step's workspace; the limit is 8 GiB: "
                + "use a smaller shape"), huge.err());
        CliEndToEndTest.Run deep = rnn("bench", "--cells", "lstm", "--shape", "1,1,1,1,100000", "--json", dir.resolve("d.json").toString());
        assertEquals(1, deep.exit(), deep.out());
        assertEquals("rnn bench: shape '1,1,1,1,100000': layers must be in [1, 16], got 100000", deep.err().strip());
        CliEndToEndTest.Run directory = rnn("bench", "--cells", "lstm", "--shape", "2,1,1,1", "--json", dir.toString());
        assertEquals(1, directory.exit(), directory.out());
        assertEquals("rnn bench: --json " + dir + " is not a regular file (a directory, pipe or device); name a file to write",
                directory.err().strip());
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        CliEndToEndTest.Run missing = rnn("bench", "--cells", "lstm", "--shape", "2,1,1,1", "--json", file.resolve("r.json").toString());
        assertEquals(1, missing.exit(), missing.out());
        assertTrue(missing.err().startsWith("rnn bench: cannot write --json " + file.resolve("r.json") + ": "), missing.err());
        for (CliEndToEndTest.Run run : java.util.List.of(huge, deep, directory, missing)) {
            assertTrue(run.out().isEmpty(), "nothing measured: " + run.out());
        }
    }

    @Test
    void badSettingsAreRefused() {
        CliEndToEndTest.Run rounds = rnn("bench", "--rounds", "0", "--json", dir.resolve("x.json").toString());
        assertNotEquals(0, rounds.exit());
        assertTrue(rounds.err().contains("--rounds must be in [1, 1000]"), rounds.err());
        CliEndToEndTest.Run shape = rnn("bench", "--shape", "1,2,3", "--json", dir.resolve("y.json").toString());
        assertNotEquals(0, shape.exit());
        assertTrue(shape.err().contains("T,B,I,H"), shape.err());
        assertFalse(Files.exists(dir.resolve("x.json")) || Files.exists(dir.resolve("y.json")), "no results file on bad input");
    }
}
