package dev.panamarnn.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.panamarnn.Rnn;
import dev.panamarnn.Workspace;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every graph of onnx/src/test/resources/torch (written by scripts/onnx_import_fixtures.py with
 * torch.onnx.export, opset 14) is imported through the library's own loaders
 * ({@code SequenceModel.load(path)} / {@code ModelFile.load(path)}, which find ONNX through the
 * {@link OnnxFormat} service), run on the fixture's inputs and compared with PyTorch's outputs; the
 * same file also runs in ONNX Runtime and must agree with ours. Tolerance: |ours - ref| <= 1e-5 *
 * max(1, |ref|) per element (float32 rounding of a few hundred operations); the worst error of each
 * fixture is printed.
 */
class OnnxImportTorchTest {
    static final Path DIR = Path.of("src/test/resources/torch");
    static final double TOLERANCE = 1e-5;
    static final Map<String, double[]> WORST = new HashMap<>();

    static Stream<String> fixtures() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".onnx")).map(n -> n.substring(0, n.length() - 5))
                    .sorted().toList().stream();
        }
    }

    record Arr(long[] shape, float[] f, long[] l) {
        int dim(int k) {
            return (int) shape[k];
        }
    }

    @SuppressWarnings("unchecked")
    static Arr arr(Object o) {
        Map<String, Object> m = (Map<String, Object>) o;
        List<Object> shape = (List<Object>) m.get("shape");
        List<Object> data = (List<Object>) m.get("data");
        long[] s = shape.stream().mapToLong(x -> ((Double) x).longValue()).toArray();
        if (m.get("dtype").equals("float32")) {
            float[] f = new float[data.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) (double) (Double) data.get(i);
            }
            return new Arr(s, f, null);
        }
        return new Arr(s, null, data.stream().mapToLong(x -> ((Double) x).longValue()).toArray());
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void importedGraphGivesPyTorchsAndOnnxRuntimesOutputs(String name) throws Exception {
        Path onnx = DIR.resolve(name + ".onnx");
        Map<String, Object> doc = (Map<String, Object>) MiniJson.parse(Files.readString(DIR.resolve(name + ".json")));
        Map<String, Arr> inputs = new HashMap<>();
        ((Map<String, Object>) doc.get("inputs")).forEach((k, v) -> inputs.put(k, arr(v)));
        Map<String, Arr> expected = new HashMap<>();
        ((Map<String, Object>) doc.get("outputs")).forEach((k, v) -> expected.put(k, arr(v)));
        OnnxImport.Imported imported = OnnxImport.read(onnx);
        assertEquals(doc.get("kind").equals("rnn") ? OnnxImport.Kind.RNN : OnnxImport.Kind.SEQUENCE_MODEL, imported.kind());
        Map<String, float[]> ours = imported.kind() == OnnxImport.Kind.RNN ? runRnn(onnx, imported, inputs) : runModel(onnx, imported, inputs);
        Map<String, float[]> ort = runOrt(onnx, inputs);
        double worstTorch = 0, worstOrt = 0;
        for (Map.Entry<String, float[]> e : ours.entrySet()) {
            String out = imported.outputs().get(e.getKey());
            float[] ref = expected.get(out).f();
            float[] rt = ort.get(out);
            float[] mine = e.getValue();
            assertEquals(ref.length, mine.length, name + " " + out + " length");
            for (int i = 0; i < ref.length; i++) {
                if (Float.isNaN(mine[i])) {
                    continue;   // a padded position the library does not produce (see runModel)
                }
                double scale = Math.max(1, Math.abs(ref[i]));
                worstTorch = Math.max(worstTorch, Math.abs(mine[i] - ref[i]) / scale);
                worstOrt = Math.max(worstOrt, Math.abs(mine[i] - rt[i]) / scale);
            }
        }
        WORST.put(name, new double[] {worstTorch, worstOrt});
        System.out.printf("%-40s max error vs PyTorch %.2e, vs ONNX Runtime %.2e%n", name, worstTorch, worstOrt);
        assertTrue(worstTorch <= TOLERANCE, name + ": max error vs PyTorch " + worstTorch);
        assertTrue(worstOrt <= TOLERANCE, name + ": max error vs ONNX Runtime " + worstOrt);
    }

    @AfterAll
    static void summary() {
        WORST.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> System.out.printf("ONNX import %-40s torch %.2e ort %.2e%n", e.getKey(), e.getValue()[0], e.getValue()[1]));
    }

    /** The bare network through ModelFile.load(path) and Workspace.infer: y (in the graph's layout), h_n, c_n. */
    static Map<String, float[]> runRnn(Path onnx, OnnxImport.Imported imported, Map<String, Arr> inputs) throws Exception {
        Arr x = inputs.get(imported.inputs().get("x"));
        int t = imported.batchFirst() ? x.dim(1) : x.dim(0), b = imported.batchFirst() ? x.dim(0) : x.dim(1);
        Map<String, float[]> out = new HashMap<>();
        try (Rnn rnn = ModelFile.load(onnx); Workspace ws = rnn.workspace(t, b); Arena arena = Arena.ofConfined()) {
            Tensor xt = Tensor.allocate(arena, x.dim(0), x.dim(1), x.dim(2)).copyFrom(x.f());
            int[] lengths = null;
            if (imported.inputs().containsKey("lengths")) {
                long[] l = inputs.get(imported.inputs().get("lengths")).l();
                lengths = new int[l.length];
                for (int i = 0; i < l.length; i++) {
                    lengths[i] = (int) l[i];
                }
            }
            Tensor h0 = state(arena, inputs.get(imported.inputs().get("h0")));
            Tensor c0 = state(arena, inputs.get(imported.inputs().get("c0")));
            Tensor y = ws.infer(xt, lengths, h0, c0);
            if (imported.outputs().containsKey("y")) {
                out.put("y", y.toArray());
            }
            if (imported.outputs().containsKey("h_n")) {
                out.put("h_n", ws.finalHidden().toArray());
            }
            if (imported.outputs().containsKey("c_n")) {
                out.put("c_n", ws.finalCell().toArray());
            }
        }
        return out;
    }

    static Tensor state(Arena arena, Arr a) {
        return a == null ? null : Tensor.allocate(arena, a.dim(0), a.dim(1), a.dim(2)).copyFrom(a.f());
    }

    /**
     * The model through SequenceModel.load(path) and predict: per sequence (at its own length)
     * laid out as the graph's output; padded steps of a per-step output are NaN (not compared).
     */
    static Map<String, float[]> runModel(Path onnx, OnnxImport.Imported imported, Map<String, Arr> inputs) throws Exception {
        boolean tokens = imported.inputs().containsKey("ids");
        Arr x = inputs.get(imported.inputs().get(tokens ? "ids" : "x"));
        boolean bf = imported.batchFirst();
        int t = bf ? x.dim(1) : x.dim(0), b = bf ? x.dim(0) : x.dim(1);
        int[] lengths = new int[b];
        java.util.Arrays.fill(lengths, t);
        if (imported.inputs().containsKey("lengths")) {
            long[] l = inputs.get(imported.inputs().get("lengths")).l();
            for (int i = 0; i < b; i++) {
                lengths[i] = (int) l[i];
            }
        }
        try (SequenceModel model = SequenceModel.load(onnx)) {
            SequenceDataset data;
            if (tokens) {
                List<int[]> seqs = new ArrayList<>();
                for (int r = 0; r < b; r++) {
                    int[] s = new int[lengths[r]];
                    for (int k = 0; k < s.length; k++) {
                        s[k] = (int) x.l()[bf ? r * t + k : k * b + r];
                    }
                    seqs.add(s);
                }
                data = SequenceDataset.ofTokens(seqs, model.spec().vocabulary(), new int[b], 2);
            } else {
                int f = x.dim(2);
                List<float[][]> seqs = new ArrayList<>();
                for (int r = 0; r < b; r++) {
                    float[][] s = new float[lengths[r]][f];
                    for (int k = 0; k < s.length; k++) {
                        System.arraycopy(x.f(), ((bf ? r * t + k : k * b + r)) * f, s[k], 0, f);
                    }
                    seqs.add(s);
                }
                data = SequenceDataset.ofInputs(seqs);
            }
            float[][] pred = model.predict(data);
            int o = model.spec().outputs();
            boolean perStep = model.spec().outputMode() == dev.panamarnn.model.OutputMode.PER_STEP;
            float[] y = new float[perStep ? t * b * o : b * o];
            if (!perStep) {
                for (int r = 0; r < b; r++) {
                    System.arraycopy(pred[r], 0, y, r * o, o);
                }
            } else {
                java.util.Arrays.fill(y, Float.NaN);
                for (int r = 0; r < b; r++) {
                    for (int k = 0; k < lengths[r]; k++) {
                        System.arraycopy(pred[r], k * o, y, (bf ? r * t + k : k * b + r) * o, o);
                    }
                }
            }
            return Map.of("y", y);
        }
    }

    static Map<String, float[]> runOrt(Path onnx, Map<String, Arr> inputs) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, float[]> out = new HashMap<>();
        try (OrtSession session = env.createSession(Files.readAllBytes(onnx), new OrtSession.SessionOptions())) {
            Map<String, OnnxTensor> feed = new HashMap<>();
            try {
                for (Map.Entry<String, Arr> e : inputs.entrySet()) {
                    Arr a = e.getValue();
                    feed.put(e.getKey(), a.f() != null ? OnnxTensor.createTensor(env, FloatBuffer.wrap(a.f()), a.shape())
                            : OnnxTensor.createTensor(env, LongBuffer.wrap(a.l()), a.shape()));
                }
                try (OrtSession.Result r = session.run(feed)) {
                    for (Map.Entry<String, OnnxValue> e : r) {
                        OnnxTensor t = (OnnxTensor) e.getValue();
                        FloatBuffer fb = t.getFloatBuffer();
                        float[] v = new float[fb.remaining()];
                        fb.get(v);
                        out.put(e.getKey(), v);
                    }
                }
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        }
        return out;
    }

    @Test
    void everyFixtureIsSmall() throws IOException {
        long total = 0;
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path p : files.toList()) {
                total += Files.size(p);
            }
        }
        assertTrue(total < 500_000, "fixtures take " + total + " bytes");
    }
}
