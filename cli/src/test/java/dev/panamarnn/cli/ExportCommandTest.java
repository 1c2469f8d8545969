package dev.panamarnn.cli;

import static dev.panamarnn.cli.CliEndToEndTest.rnn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.cli.CliEndToEndTest.Run;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rnn export --format onnx}: the file it writes runs in ONNX Runtime with the model's
 * numbers; a bare stack exports too; bad requests are one line and write nothing.
 */
class ExportCommandTest {
    @TempDir
    Path dir;

    @Test
    void exportsAClassifierThatOnnxRuntimeRunsWithTheSameOutputs() throws Exception {
        Path file = dir.resolve("model.safetensors"), onnx = dir.resolve("model.onnx");
        float[][] x = {{0.5f, -1f}, {2f, 0.25f}, {-0.75f, 1.5f}};                 // one sequence (T=3, F=2)
        float[] ours;
        try (SequenceModel model = SequenceModel.builder().features(2).classify(3).output(OutputMode.SEQUENCE).cell(CellType.GRU)
                .hidden(4).seed(5).build()) {
            model.save(file);
            ours = model.predict(SequenceDataset.ofInputs(List.<float[][]>of(x)))[0];
        }
        Run export = rnn("export", "--model", file.toString(), "--format", "onnx", "--out", onnx.toString());
        assertEquals(0, export.exit(), export.err());
        assertTrue(export.out().contains("input (T, B, 2), output (B, 3)"), export.out());

        float[] timeMajor = {0.5f, -1f, 2f, 0.25f, -0.75f, 1.5f};                   // (T=3, B=1, F=2)
        var env = OrtEnvironment.getEnvironment();
        try (var session = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             var input = OnnxTensor.createTensor(env, FloatBuffer.wrap(timeMajor), new long[] {3, 1, 2});
             var h0 = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[4]), new long[] {1, 1, 4});
             var result = session.run(Map.of("input", input, "h0", h0))) {
            float[][] theirs = (float[][]) result.get("output").orElseThrow().getValue();
            for (int k = 0; k < 3; k++) {
                assertEquals(ours[k], theirs[0][k], 2e-5 * Math.max(1, Math.abs(ours[k])), "logit " + k);
            }
        }
    }

    @Test
    void exportsABareStack() throws Exception {
        Path file = dir.resolve("stack.safetensors"), onnx = dir.resolve("stack.onnx");
        try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.LSTM, 3, 5).layers(2).bidirectional(true).build())) {
            ModelFile.save(file, rnn);
        }
        Run export = rnn("export", "--model", file.toString(), "--format", "onnx", "--out", onnx.toString(), "--sequence-lengths");
        assertEquals(0, export.exit(), export.err());
        assertTrue(export.out().contains("a lstm stack; input (T, B, 3), output (T, B, 10); state h0/c0 in, hn/cn out"), export.out());
        var env = OrtEnvironment.getEnvironment();
        try (var session = env.createSession(onnx.toString(), new OrtSession.SessionOptions())) {
            assertEquals(java.util.Set.of("input", "sequence_lens", "h0", "c0"), session.getInputNames());
            assertEquals(java.util.Set.of("output", "hn", "cn"), session.getOutputNames());
        }
    }

    @Test
    void refusesAnUnknownFormatAndAnOutputOverItsInput() throws Exception {
        Path file = dir.resolve("model.safetensors");
        try (SequenceModel model = SequenceModel.builder().features(2).regress(1).hidden(4).build()) {
            model.save(file);
        }
        Run tflite = rnn("export", "--model", file.toString(), "--format", "tflite", "--out", dir.resolve("m.tflite").toString());
        assertNotEquals(0, tflite.exit());
        assertEquals(1, tflite.err().strip().lines().count(), tflite.err());
        assertTrue(tflite.err().contains("onnx"), tflite.err());
        Run over = rnn("export", "--model", file.toString(), "--format", "onnx", "--out", file.toString());
        assertEquals(1, over.exit(), over.err());
        assertTrue(over.err().startsWith("rnn export: "), over.err());
        assertFalse(Files.exists(dir.resolve("m.tflite")));
    }
}
