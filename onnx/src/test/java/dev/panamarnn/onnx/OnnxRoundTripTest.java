package dev.panamarnn.onnx;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Map;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A model exported by OnnxExport loads back through SequenceModel.load(".onnx") with the same spec and the same predictions, bit for bit. */
class OnnxRoundTripTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(CellType.class)
    void exportedModelsLoadBackWithTheSamePredictions(CellType cell) throws Exception {
        List<SequenceModel.Builder> builders = List.of(
                SequenceModel.builder().features(3).normalise(new float[] {0.5f, -1f, 2f}, new float[] {2f, 0.5f, 3f}).regress(2)
                        .normaliseTargets(new float[] {10f, -3f}, new float[] {4f, 0.25f}).output(OutputMode.PER_STEP).layers(2),
                SequenceModel.builder().features(3).classify(4).classNames(List.of("a", "b", "c", "d")).bidirectional(true).headHidden(5),
                SequenceModel.builder().tokens(7, 4).languageModel().layers(2));
        int i = 0;
        for (SequenceModel.Builder b : builders) {
            Path file = dir.resolve(cell.id() + "-" + i++ + ".onnx");
            try (SequenceModel model = b.cell(cell).hidden(5).seed(21).build()) {
                OnnxExport.write(model, file);
                SequenceDataset data = data(model);
                try (SequenceModel back = SequenceModel.load(file)) {
                    assertEquals(model.spec(), back.spec(), file.getFileName().toString());
                    float[][] expected = model.predict(data), actual = back.predict(data);
                    for (int s = 0; s < expected.length; s++) {
                        assertArrayEquals(expected[s], actual[s], file.getFileName() + " sequence " + s);
                    }
                }
            }
        }
    }

    /** The other shapes the exporter writes: one layer (hn is the node's Y_h), per sequence, target normalisation with a sequence head, sequence_lens. */
    @ParameterizedTest
    @EnumSource(CellType.class)
    void everyExportShapeLoadsBack(CellType cell) throws Exception {
        List<SequenceModel.Builder> builders = List.of(
                SequenceModel.builder().features(3).regress(2).normaliseTargets(new float[] {1f, -2f}, new float[] {0.5f, 3f})
                        .output(OutputMode.SEQUENCE),
                SequenceModel.builder().features(2).normalise(new float[] {1f, -1f}, new float[] {0.25f, 4f}).classify(3)
                        .bidirectional(true).dropout(0.25),
                SequenceModel.builder().features(3).regress(1).output(OutputMode.PER_STEP).bidirectional(true).layers(2).headHidden(4),
                SequenceModel.builder().tokens(6, 3).classify(2).layers(2).bidirectional(true));
        int i = 0;
        for (SequenceModel.Builder b : builders) {
            for (boolean lengths : new boolean[] {false, true}) {
                Path file = dir.resolve(cell.id() + "-shape" + i + (lengths ? "-lengths" : "") + ".onnx");
                try (SequenceModel model = b.cell(cell).hidden(4).seed(22).build()) {
                    OnnxExport.write(model, file, OnnxExport.Options.defaults().withSequenceLengths(lengths));
                    OnnxImport.Imported what = OnnxImport.read(file);
                    assertEquals(OnnxImport.Kind.SEQUENCE_MODEL, what.kind());
                    assertEquals(OnnxExport.H0, what.inputs().get("h0"), "the state inputs are named by role");
                    assertEquals(cell.hasCellState() ? OnnxExport.C0 : null, what.inputs().get("c0"));
                    assertEquals(lengths ? OnnxExport.SEQUENCE_LENS : null, what.inputs().get("lengths"));
                    assertEquals(cell.hasCellState() ? "h0,c0" : "h0", what.metadata().get(OnnxImport.STATE_INPUTS_KEY));
                    assertEquals(Map.of("y", OnnxExport.OUTPUT, "h_n", OnnxExport.HN, "c_n", OnnxExport.CN).entrySet().stream()
                            .filter(e -> cell.hasCellState() || !e.getKey().equals("c_n")).collect(java.util.stream.Collectors.toMap(
                                    Map.Entry::getKey, Map.Entry::getValue)), what.outputs());
                    SequenceDataset data = data(model);
                    try (SequenceModel back = SequenceModel.load(file)) {
                        assertEquals(model.spec(), back.spec(), file.getFileName().toString());
                        float[][] expected = model.predict(data), actual = back.predict(data);
                        for (int s = 0; s < expected.length; s++) {
                            assertArrayEquals(expected[s], actual[s], file.getFileName() + " sequence " + s);
                        }
                    }
                }
            }
            i++;
        }
    }

    /** A bare stack loads back as the same Rnn (time-major, as exported) with the same outputs and final states, initial states and lengths given. */
    @ParameterizedTest
    @EnumSource(CellType.class)
    void exportedStacksLoadBackWithTheSameOutputs(CellType cell) throws Exception {
        int t = 5, b = 3, f = 3, h = 4;
        int[] lengths = {t, 2, 4};
        for (RnnConfig config : List.of(RnnConfig.builder(cell, f, h).seed(31).build(),
                RnnConfig.builder(cell, f, h).layers(2).bidirectional(true).dropout(0.5).seed(32).build())) {
            for (boolean withLengths : new boolean[] {false, true}) {
                Path file = dir.resolve(cell.id() + "-stack" + config.numLayers() + (withLengths ? "-lengths" : "") + ".onnx");
                int states = config.numLayers() * config.directions();
                SplittableRandom random = new SplittableRandom(6);
                float[] x = gaussian(random, t * b * f), h0 = gaussian(random, states * b * h), c0 = gaussian(random, states * b * h);
                try (Rnn rnn = Rnn.create(config)) {
                    OnnxExport.write(rnn, file, OnnxExport.Options.defaults().withSequenceLengths(withLengths));
                    assertEquals(OnnxImport.Kind.RNN, OnnxImport.read(file).kind());
                    try (Rnn back = ModelFile.load(file)) {
                        RnnConfig c = back.config();   // a stack's model file (and so its metadata) has no seed: it only seeds initialisation
                        assertEquals(config, new RnnConfig(c.cell(), c.inputSize(), c.hiddenSize(), c.numLayers(), c.bidirectional(),
                                c.dropout(), c.batchFirst(), config.seed()), file.getFileName().toString());
                        float[][] expected = run(rnn, x, withLengths ? lengths : null, h0, c0, t, b);
                        float[][] actual = run(back, x, withLengths ? lengths : null, h0, c0, t, b);
                        for (int k = 0; k < expected.length; k++) {
                            assertArrayEquals(expected[k], actual[k], file.getFileName() + " output/hn/cn " + k);
                        }
                    }
                }
            }
        }
    }

    /** output, hn and (LSTM) cn of one time-major call. */
    private static float[][] run(Rnn rnn, float[] x, int[] lengths, float[] h0, float[] c0, int t, int b) {
        RnnConfig c = rnn.config();
        int states = c.numLayers() * c.directions();
        try (Workspace ws = rnn.workspace(t, b); Arena arena = Arena.ofConfined()) {
            Tensor out = ws.infer(Tensor.allocate(arena, t, b, c.inputSize()).copyFrom(x), lengths,
                    Tensor.allocate(arena, states, b, c.hiddenSize()).copyFrom(h0),
                    c.cell().hasCellState() ? Tensor.allocate(arena, states, b, c.hiddenSize()).copyFrom(c0) : null);
            float[] y = out.toArray(), hn = ws.finalHidden().toArray();
            return c.cell().hasCellState() ? new float[][] {y, hn, ws.finalCell().toArray()} : new float[][] {y, hn};
        }
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static SequenceDataset data(SequenceModel model) {
        SplittableRandom random = new SplittableRandom(5);
        int[] lengths = {4, 6, 1};
        if (model.spec().tokens()) {
            List<int[]> seqs = new ArrayList<>();
            for (int n : lengths) {
                seqs.add(random.ints(n, 0, model.spec().vocabulary()).toArray());
            }
            return SequenceDataset.ofTokens(seqs, model.spec().vocabulary(), new int[lengths.length], 2);
        }
        List<float[][]> seqs = new ArrayList<>();
        for (int n : lengths) {
            float[][] x = new float[n][model.spec().features()];
            for (float[] row : x) {
                for (int f = 0; f < row.length; f++) {
                    row[f] = (float) random.nextGaussian();
                }
            }
            seqs.add(x);
        }
        return SequenceDataset.ofInputs(seqs);
    }
}
