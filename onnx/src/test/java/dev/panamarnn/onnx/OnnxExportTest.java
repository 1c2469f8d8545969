package dev.panamarnn.onnx;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every exported graph runs in ONNX Runtime and gives the numbers the library gives: per step and
 * per sequence, features and tokens, one and two layers, both directions, variable lengths, and a
 * stream served in two calls with the state fed back; every bare stack of the matrix cell x layers x
 * directions x lengths x initial state against Workspace.infer; single-step runs against a StreamState. Tolerance: |ours - ORT| <= 2e-5 * max(1, |ours|)
 * (float32 math in two implementations of tanh and the sigmoid).
 */
class OnnxExportTest {
    static final double TOLERANCE = 2e-5;
    static final int T = 6, B = 3, F = 3, H = 5;

    @ParameterizedTest
    @EnumSource(CellType.class)
    void perStepRegressionOfFeaturesWithBothNormalisations(CellType cell) throws Exception {
        try (SequenceModel model = SequenceModel.builder().features(F).normalise(new float[] {0.5f, -1f, 2f}, new float[] {2f, 0.5f, 3f})
                .regress(2).normaliseTargets(new float[] {10f, -3f}, new float[] {4f, 0.25f}).output(OutputMode.PER_STEP)
                .cell(cell).hidden(H).layers(2).seed(11).build()) {
            checkFeatureModel(model, new int[] {T, T, T}, OnnxExport.Options.defaults());
        }
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void sequenceClassifierBidirectionalWithHiddenHeadAndLengths(CellType cell) throws Exception {
        try (SequenceModel model = SequenceModel.builder().features(F).classify(4).output(OutputMode.SEQUENCE)
                .cell(cell).hidden(H).layers(2).bidirectional(true).headHidden(7).seed(12).build()) {
            checkFeatureModel(model, new int[] {T, 3, 1}, OnnxExport.Options.defaults().withSequenceLengths(true));
        }
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void perStepBidirectionalWithLengths(CellType cell) throws Exception {
        try (SequenceModel model = SequenceModel.builder().features(F).regress(1).output(OutputMode.PER_STEP)
                .cell(cell).hidden(H).bidirectional(true).seed(13).build()) {
            checkFeatureModel(model, new int[] {2, T, 4}, OnnxExport.Options.defaults().withSequenceLengths(true));
        }
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void languageModelStreamsInTwoCallsWithTheStateFedBack(CellType cell) throws Exception {
        int vocabulary = 7;
        try (SequenceModel model = SequenceModel.builder().tokens(vocabulary, 4).languageModel().cell(cell).hidden(H).layers(2)
                .seed(14).build()) {
            SplittableRandom random = new SplittableRandom(3);
            List<int[]> sequences = new ArrayList<>();
            long[] ids = new long[T * B];                                    // (T, B) time-major
            for (int b = 0; b < B; b++) {
                int[] s = new int[T];
                for (int t = 0; t < T; t++) {
                    s[t] = random.nextInt(vocabulary);
                    ids[t * B + b] = s[t];
                }
                sequences.add(s);
            }
            float[][] ours = model.predict(SequenceDataset.ofTokens(sequences, vocabulary, new int[B], 2));
            byte[] onnx = OnnxExport.toBytes(model, OnnxExport.Options.defaults());
            int states = 2, split = 4;
            try (OrtRunner ort = new OrtRunner(onnx)) {
                float[] zeros = new float[states * B * H];
                Map<String, float[]> first = withState(ort, cell, zeros, zeros)
                        .longs(OnnxExport.INPUT, java.util.Arrays.copyOf(ids, split * B), split, B).run();
                Map<String, float[]> second = withState(ort, cell, first.get(OnnxExport.HN), first.get(OnnxExport.CN))
                        .longs(OnnxExport.INPUT, java.util.Arrays.copyOfRange(ids, split * B, T * B), T - split, B).run();
                for (int b = 0; b < B; b++) {
                    for (int t = 0; t < T; t++) {
                        float[] part = t < split ? first.get(OnnxExport.OUTPUT) : second.get(OnnxExport.OUTPUT);
                        int tt = t < split ? t : t - split;
                        for (int k = 0; k < vocabulary; k++) {
                            close(ours[b][t * vocabulary + k], part[(tt * B + b) * vocabulary + k], "logit t=" + t + " b=" + b);
                        }
                    }
                }
            }
        }
    }

    /** Every cell x {1, 2 layers} x {uni, bi} x {lengths, none} x {initial state, none}: output, hn and cn. */
    static Stream<Arguments> stacks() {
        List<Arguments> all = new ArrayList<>();
        for (CellType cell : CellType.values()) {
            for (int layers = 1; layers <= 2; layers++) {
                for (boolean bi : new boolean[] {false, true}) {
                    for (boolean lengths : new boolean[] {false, true}) {
                        for (boolean state : new boolean[] {false, true}) {
                            all.add(Arguments.of(cell, layers, bi, lengths, state));
                        }
                    }
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} L={1} bi={2} lengths={3} state={4}")
    @MethodSource("stacks")
    void bareStackAgreesWithWorkspaceInfer(CellType cell, int layers, boolean bi, boolean withLengths, boolean withState) throws Exception {
        RnnConfig config = RnnConfig.builder(cell, F, H).layers(layers).bidirectional(bi).seed(15 + layers).build();
        int states = config.numLayers() * config.directions();
        int[] lengths = withLengths ? new int[] {T, 2, 5} : null;
        SplittableRandom random = new SplittableRandom(4);
        float[] x = uniform(random, T * B * F);
        float[] h0 = withState ? uniform(random, states * B * H) : new float[states * B * H];
        float[] c0 = withState ? uniform(random, states * B * H) : new float[states * B * H];
        try (Rnn rnn = Rnn.create(config); Workspace ws = rnn.workspace(T, B); Arena arena = Arena.ofConfined()) {
            Tensor out = ws.infer(Tensor.allocate(arena, T, B, F).copyFrom(x), lengths,
                    withState ? Tensor.allocate(arena, states, B, H).copyFrom(h0) : null,
                    withState && cell.hasCellState() ? Tensor.allocate(arena, states, B, H).copyFrom(c0) : null);
            float[] ours = out.toArray(), oursHn = ws.finalHidden().toArray();
            float[] oursCn = cell.hasCellState() ? ws.finalCell().toArray() : null;
            try (OrtRunner ort = new OrtRunner(OnnxExport.toBytes(rnn, OnnxExport.Options.defaults().withSequenceLengths(withLengths)))) {
                withState(ort, cell, h0, c0).floats(OnnxExport.INPUT, x, T, B, F);
                if (withLengths) {
                    ort.ints(OnnxExport.SEQUENCE_LENS, lengths, B);
                }
                Map<String, float[]> theirs = ort.run();
                assertClose(ours, theirs.get(OnnxExport.OUTPUT), "output");
                assertClose(oursHn, theirs.get(OnnxExport.HN), "hn");
                if (oursCn != null) {
                    assertClose(oursCn, theirs.get(OnnxExport.CN), "cn");
                }
            }
        }
    }

    /** T single-step ONNX Runtime runs with hn/cn fed back as h0/c0 give what one StreamState gives step by step. */
    @ParameterizedTest
    @EnumSource(CellType.class)
    void singleStepsWithTheStateFedBackEqualAStream(CellType cell) throws Exception {
        try (SequenceModel model = SequenceModel.builder().features(F).normalise(new float[] {0.5f, -1f, 2f}, new float[] {2f, 0.5f, 3f})
                .regress(2).output(OutputMode.PER_STEP).cell(cell).hidden(H).layers(2).seed(31).build();
             InferenceModel served = InferenceModel.of(model);
             StreamState stream = served.newStream();
             OrtRunner ort = new OrtRunner(OnnxExport.toBytes(model, OnnxExport.Options.defaults()))) {
            SplittableRandom random = new SplittableRandom(8);
            int states = 2;
            float[] h = new float[states * H], c = new float[states * H];          // B = 1
            for (int t = 0; t < 12; t++) {
                float[] event = uniform(random, F);
                float[] ours = stream.step(event);
                Map<String, float[]> theirs = withStateOfOne(ort, cell, h, c).floats(OnnxExport.INPUT, event, 1, 1, F).run();
                assertClose(ours, theirs.get(OnnxExport.OUTPUT), "step " + t);
                h = theirs.get(OnnxExport.HN);
                c = cell.hasCellState() ? theirs.get(OnnxExport.CN) : c;
            }
        }
    }

    private static OrtRunner withStateOfOne(OrtRunner ort, CellType cell, float[] h, float[] c) throws Exception {
        ort.floats(OnnxExport.H0, h, h.length / H, 1, H);
        if (cell.hasCellState()) {
            ort.floats(OnnxExport.C0, c, c.length / H, 1, H);
        }
        return ort;
    }

    /** Random inputs of the given lengths; ours from predict, ORT's from the exported graph (padded steps skipped). */
    private static void checkFeatureModel(SequenceModel model, int[] lengths, OnnxExport.Options options) throws Exception {
        SplittableRandom random = new SplittableRandom(lengths.length * 31L + T);
        float[] x = new float[T * B * F];                                      // (T, B, F) time-major, zeros when padded
        List<float[][]> sequences = new ArrayList<>();
        for (int b = 0; b < B; b++) {
            float[][] s = new float[lengths[b]][F];
            for (int t = 0; t < lengths[b]; t++) {
                for (int f = 0; f < F; f++) {
                    s[t][f] = (float) (random.nextDouble() * 4 - 2);
                    x[(t * B + b) * F + f] = s[t][f];
                }
            }
            sequences.add(s);
        }
        float[][] ours = model.predict(SequenceDataset.ofInputs(sequences));
        var spec = model.spec();
        int states = spec.layers() * (spec.bidirectional() ? 2 : 1), k = spec.outputs();
        float[] zeros = new float[states * B * H];
        try (OrtRunner ort = new OrtRunner(OnnxExport.toBytes(model, options))) {
            withState(ort, spec.cell(), zeros, zeros).floats(OnnxExport.INPUT, x, T, B, F);
            if (options.sequenceLengths()) {
                ort.ints(OnnxExport.SEQUENCE_LENS, lengths, B);
            }
            float[] theirs = ort.run().get(OnnxExport.OUTPUT);
            for (int b = 0; b < B; b++) {
                if (spec.outputMode() == OutputMode.SEQUENCE) {
                    for (int j = 0; j < k; j++) {
                        close(ours[b][j], theirs[b * k + j], "output b=" + b);
                    }
                } else {
                    assertEquals(lengths[b] * k, ours[b].length);
                    for (int t = 0; t < lengths[b]; t++) {
                        for (int j = 0; j < k; j++) {
                            close(ours[b][t * k + j], theirs[(t * B + b) * k + j], "output t=" + t + " b=" + b);
                        }
                    }
                }
            }
        }
    }

    private static OrtRunner withState(OrtRunner ort, CellType cell, float[] h0, float[] c0) throws Exception {
        int states = h0.length / (B * H);
        ort.floats(OnnxExport.H0, h0, states, B, H);
        if (cell.hasCellState()) {
            ort.floats(OnnxExport.C0, c0, states, B, H);
        }
        return ort;
    }

    private static float[] uniform(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static void assertClose(float[] ours, float[] theirs, String what) {
        assertEquals(ours.length, theirs.length, what + " length");
        for (int i = 0; i < ours.length; i++) {
            close(ours[i], theirs[i], what + "[" + i + "]");
        }
    }

    private static void close(float ours, float theirs, String what) {
        double bound = TOLERANCE * Math.max(1, Math.abs(ours));
        assertTrue(Math.abs(ours - theirs) <= bound, () -> what + ": ours " + ours + ", ONNX Runtime " + theirs);
        ErrorRecord.note(Math.abs(ours - theirs));
    }

    /** The largest difference seen, printed once so the docs can quote it. */
    static final class ErrorRecord {
        private static double max;

        static synchronized void note(double error) {
            max = Math.max(max, error);
        }

        static synchronized double max() {
            return max;
        }
    }

    @org.junit.jupiter.api.AfterAll
    static void report() {
        System.out.println("OnnxExportTest: largest |ours - ONNX Runtime| = " + ErrorRecord.max());
    }
}
