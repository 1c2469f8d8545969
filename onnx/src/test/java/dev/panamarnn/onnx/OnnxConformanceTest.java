package dev.panamarnn.onnx;

import dev.panamarnn.Rnn;
import dev.panamarnn.Workspace;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.onnx.proto.Onnx;
import dev.panamarnn.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * ONNX's own conformance node tests for LSTM, GRU and RNN, as Debian's libonnx-testdata ships them
 * (/usr/share/libonnx-testdata/data/node/test_{lstm,gru,rnn,simple_rnn}_*: a one-node model, its
 * inputs and the expected outputs as TensorProto files, computed by ONNX's reference
 * implementation). The weights W, R, B arrive as graph inputs with values in the data set: they
 * become initializers, the graph is imported, and the library's network runs the data set's X (with
 * its sequence_lens and initial states when given), on the Java and the native kernels. Expected:
 * Y and Y_h to 1e-5 * max(1, |y|). GRU's default linear_before_reset=0 runs the reset-before GRU;
 * layout=1 runs batch-first; peepholes (the LSTM's input P) are refused by name.
 *
 * <p>CI installs libonnx-testdata and sets -Drnn.onnx.conformance.required=true, so a missing data
 * set fails there; elsewhere these tests are skipped when it is absent.
 */
class OnnxConformanceTest {
    static final Path DATA = Path.of("/usr/share/libonnx-testdata/data/node");
    static final double TOLERANCE = 1e-5;
    static final Set<String> REFUSED = Set.of("test_lstm_with_peepholes");

    static Stream<Arguments> cases() throws IOException {
        if (!Files.isDirectory(DATA)) {
            return Stream.empty();
        }
        try (Stream<Path> dirs = Files.list(DATA)) {
            List<String> names = dirs.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("test_(lstm|gru|rnn|simple_rnn)_.*")).sorted().toList();
            return names.stream().filter(n -> !REFUSED.contains(n))
                    .flatMap(n -> Stream.of(Arguments.of(n, "java"), Arguments.of(n, "native")));
        }
    }

    @Test
    void theDataSetIsThereWhereCiNeedsIt() throws IOException {
        boolean required = Boolean.getBoolean("rnn.onnx.conformance.required");
        if (!required) {
            Assumptions.assumeTrue(Files.isDirectory(DATA), "libonnx-testdata is not installed (apt-get install libonnx-testdata)");
        }
        assertTrue(Files.isDirectory(DATA), DATA + " is missing: apt-get install libonnx-testdata");
        assertEquals(11, cases().count() / 2, "the recurrent node tests of libonnx-testdata 1.12 (12, less the peephole one)");
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void matchesOnnxsReferenceOutputs(String name, String kernelsName) throws Exception {
        Kernels kernels = kernelsName.equals("java") ? KernelSelection.java() : KernelSelection.nativeKernels();
        Case c = Case.read(DATA.resolve(name));
        OnnxImport.Imported imported = OnnxImport.read(c.file, c.withWeightsAsInitializers().toByteArray());
        assertEquals(OnnxImport.Kind.RNN, imported.kind(), name);
        try (SafeTensorsFile f = imported.toFile(); Rnn rnn = ModelFile.load(f, "", kernels); Arena arena = Arena.ofConfined()) {
            var config = rnn.config();
            OnnxReader.Data x = c.input("X");
            boolean batchFirst = c.layout() == 1;
            int t = (int) x.dims()[batchFirst ? 1 : 0], b = (int) x.dims()[batchFirst ? 0 : 1];
            assertEquals(batchFirst, config.batchFirst(), name + ": layout");
            int states = config.numLayers() * config.directions(), h = config.hiddenSize();
            Tensor h0 = c.has("initial_h") ? Tensor.allocate(arena, states, b, h).copyFrom(stateTimeMajor(c.input("initial_h"), batchFirst)) : null;
            Tensor c0 = c.has("initial_c") ? Tensor.allocate(arena, states, b, h).copyFrom(stateTimeMajor(c.input("initial_c"), batchFirst)) : null;
            int[] lengths = c.has("sequence_lens") ? toInts(c.input("sequence_lens").ints()) : null;
            try (Workspace ws = rnn.workspace(t, b)) {
                Tensor out = ws.infer(Tensor.of(arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, x.floats()), (int) x.dims()[0],
                        (int) x.dims()[1], (int) x.dims()[2]), lengths, h0, c0);
                int checked = 0;
                if (c.expected.containsKey("Y")) {
                    compare(name, "Y", onnxY(c.expected.get("Y"), batchFirst), out.toArray());
                    checked++;
                }
                if (c.expected.containsKey("Y_h")) {
                    compare(name, "Y_h", stateTimeMajor(c.expected.get("Y_h"), batchFirst), ws.finalHidden().toArray());
                    checked++;
                }
                assertTrue(checked > 0, name + " has no Y or Y_h to compare");
            }
        }
    }

    @Test
    void peepholesAreRefusedByName() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DATA.resolve("test_lstm_with_peepholes")), "libonnx-testdata is not installed");
        Case c = Case.read(DATA.resolve("test_lstm_with_peepholes"));
        var e = assertThrows(ModelFileException.class, () -> OnnxImport.read(c.file, c.withWeightsAsInitializers().toByteArray()));
        assertTrue(e.getMessage().contains("(LSTM)") && e.getMessage().contains("P"), e.getMessage());
    }

    /** Y in ONNX's layout, (T, D, B, H) or (B, T, D, H), as the library's (T, B, D*H) or (B, T, D*H): the same order of values. */
    private static float[] onnxY(OnnxReader.Data y, boolean batchFirst) {
        long[] d = y.dims();
        if (batchFirst) {
            return y.floats();                                         // (B, T, D, H) is (B, T, D*H) already
        }
        int t = (int) d[0], dirs = (int) d[1], b = (int) d[2], h = (int) d[3];
        float[] out = new float[y.floats().length];
        for (int s = 0; s < t; s++) {
            for (int k = 0; k < dirs; k++) {
                for (int r = 0; r < b; r++) {
                    System.arraycopy(y.floats(), ((s * dirs + k) * b + r) * h, out, ((s * b + r) * dirs + k) * h, h);
                }
            }
        }
        return out;
    }

    /** A state in ONNX's layout, (D, B, H) or with layout=1 (B, D, H), as the library's (D, B, H). */
    private static float[] stateTimeMajor(OnnxReader.Data s, boolean batchFirst) {
        if (!batchFirst) {
            return s.floats();
        }
        long[] d = s.dims();
        int b = (int) d[0], dirs = (int) d[1], h = (int) d[2];
        float[] out = new float[s.floats().length];
        for (int r = 0; r < b; r++) {
            for (int k = 0; k < dirs; k++) {
                System.arraycopy(s.floats(), (r * dirs + k) * h, out, (k * b + r) * h, h);
            }
        }
        return out;
    }

    private static void compare(String name, String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, name + " " + what + " size");
        for (int i = 0; i < expected.length; i++) {
            double bound = TOLERANCE * Math.max(1, Math.abs(expected[i]));
            if (!(Math.abs(expected[i] - actual[i]) <= bound)) {
                fail(name + " " + what + "[" + i + "]: ONNX " + expected[i] + ", ours " + actual[i]);
            }
        }
    }

    private static int[] toInts(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.toIntExact(v[i]);
        }
        return out;
    }

    /** One conformance case: the model, its inputs by name, its expected outputs by name. */
    private record Case(Path file, Onnx.ModelProto model, Map<String, Onnx.TensorProto> inputs, Map<String, OnnxReader.Data> expected) {
        static Case read(Path dir) throws IOException, ModelFileException {
            Path file = dir.resolve("model.onnx");
            Onnx.ModelProto model = Onnx.ModelProto.parseFrom(Files.readAllBytes(file));
            Path data = dir.resolve("test_data_set_0");
            Map<String, Onnx.TensorProto> inputs = new HashMap<>();
            for (int i = 0; i < model.getGraph().getInputCount(); i++) {
                String name = model.getGraph().getInput(i).getName();
                inputs.put(name, Onnx.TensorProto.parseFrom(Files.readAllBytes(data.resolve("input_" + i + ".pb"))).toBuilder().setName(name).build());
            }
            Map<String, OnnxReader.Data> expected = new HashMap<>();
            for (int i = 0; i < model.getGraph().getOutputCount(); i++) {
                String name = model.getGraph().getOutput(i).getName();
                Onnx.TensorProto t = Onnx.TensorProto.parseFrom(Files.readAllBytes(data.resolve("output_" + i + ".pb")));
                expected.put(name, OnnxReader.decode(file, t, "expected output " + name));
            }
            return new Case(file, model, inputs, expected);
        }

        /** The node's input name in position {@code slot} of its op's inputs (X, W, R, B, sequence_lens, initial_h, initial_c, P). */
        String slot(String role) {
            List<String> order = List.of("X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P");
            var node = model.getGraph().getNode(0);
            int at = order.indexOf(role);
            return at < node.getInputCount() ? node.getInput(at) : "";
        }

        boolean has(String role) {
            return !slot(role).isEmpty() && inputs.containsKey(slot(role));
        }

        OnnxReader.Data input(String role) throws ModelFileException {
            return OnnxReader.decode(file, inputs.get(slot(role)), "input " + role);
        }

        long layout() {
            for (var a : model.getGraph().getNode(0).getAttributeList()) {
                if (a.getName().equals("layout")) {
                    return a.getI();
                }
            }
            return 0;
        }

        /** The model with W, R, B (and P) moved from graph inputs to initializers holding the data set's values. */
        Onnx.ModelProto withWeightsAsInitializers() {
            Set<String> weights = new java.util.HashSet<>(List.of(slot("W"), slot("R"), slot("B"), slot("P")));
            Onnx.GraphProto.Builder g = model.getGraph().toBuilder().clearInput();
            for (Onnx.ValueInfoProto in : model.getGraph().getInputList()) {
                if (weights.contains(in.getName())) {
                    g.addInitializer(inputs.get(in.getName()));
                } else {
                    g.addInput(in);
                }
            }
            return model.toBuilder().setGraph(g).build();
        }
    }
}
