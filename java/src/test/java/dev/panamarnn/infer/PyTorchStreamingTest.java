package dev.panamarnn.infer;

import static dev.panamarnn.infer.InferTesting.assertClose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panamarnn.Rnn;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.testing.Fixture;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Streaming against PyTorch 1.13, a reference nobody here wrote: every unidirectional fixture of
 * java/src/test/resources/fixtures (all cells, 1-2 layers, with and without initial state, variable
 * lengths) and every unidirectional model file of resources/modelfiles, loaded by ModelFile. Each
 * batch row is a stream stepped one event at a time up to its own length — alone, and all rows
 * through a StreamBatcher — and must give PyTorch's output at every step and its h_n (c_n) at the
 * end, within 1e-5 * (1 + |ref|), on the Java and the native kernels.
 */
class PyTorchStreamingTest {
    static final double TOLERANCE = 1e-5;

    static Stream<Arguments> fixtures() {
        return Fixture.list().stream().filter(n -> n.contains("_uni_"))
                .flatMap(n -> Stream.of(Arguments.of(n, "java"), Arguments.of(n, "native")));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("fixtures")
    void fixtureStreamsMatchPyTorch(String name, String kernelName) throws Exception {
        Fixture f = Fixture.load(name);
        Kernels kernels = InferTesting.kernels(kernelName);
        try (Rnn rnn = Rnn.create(f.config(), kernels)) {
            f.params().forEach((param, a) -> rnn.setParameter(param, a.data()));
            Reference ref = new Reference(f.steps(), f.batch(), f.config().inputSize(), f.config().hiddenSize(),
                    f.config().numLayers(), false, f.lengths(), data(f, "x"), data(f, "h0"), data(f, "c0"), data(f, "output"),
                    data(f, "h_n"), data(f, "c_n"));
            try (InferenceModel model = InferenceModel.of(rnn)) {
                ref.check(model, name);
            }
        }
    }

    static Stream<Arguments> modelFiles() {
        return Stream.of("gru_l1_uni_batchfirst", "rnn_tanh_l2_uni", "lstm_l1_nested")
                .flatMap(m -> Stream.of(Arguments.of(m, "java"), Arguments.of(m, "native")));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("modelFiles")
    void modelFileStreamsMatchPyTorch(String name, String kernelName) throws Exception {
        JsonNode json;
        try (InputStream in = PyTorchStreamingTest.class.getResourceAsStream("/modelfiles/" + name + ".json")) {
            json = new ObjectMapper().readTree(in);
        }
        Path file = Path.of(PyTorchStreamingTest.class.getResource("/modelfiles/" + name + ".safetensors").toURI());
        try (SafeTensorsFile f = SafeTensors.read(file);
             Rnn rnn = ModelFile.load(f, json.get("prefix").asText(), InferTesting.kernels(kernelName));
             InferenceModel model = InferenceModel.of(rnn)) {
            Reference ref = new Reference(json.get("seq_len").asInt(), json.get("batch").asInt(), rnn.config().inputSize(),
                    rnn.config().hiddenSize(), rnn.config().numLayers(), json.get("batch_first").asBoolean(), null,
                    data(json.get("x")), data(json.get("h0")), data(json.get("c0")), data(json.get("output")),
                    data(json.get("h_n")), data(json.get("c_n")));
            ref.check(model, name);
        }
    }

    /** PyTorch's input, initial state and results for a batch, and how to check streams against them. */
    record Reference(int steps, int batch, int input, int hidden, int layers, boolean batchFirst, int[] lengths,
                     float[] x, float[] h0, float[] c0, float[] output, float[] hN, float[] cN) {

        int length(int b) {
            return lengths == null ? steps : lengths[b];
        }

        /** x_t of row b (I floats); (T, B, I), or (B, T, I) batch-first. */
        float[] x(int t, int b) {
            int at = (batchFirst ? b * steps + t : t * batch + b) * input;
            return Arrays.copyOfRange(x, at, at + input);
        }

        float[] output(int t, int b) {
            int at = (batchFirst ? b * steps + t : t * batch + b) * hidden;
            return Arrays.copyOfRange(output, at, at + hidden);
        }

        /** Row b of an (L, B, H) state, or null. */
        float[] state(float[] all, int b) {
            return all == null ? null : StreamingAgreementTest.rows(all, layers, batch, hidden, b);
        }

        void check(InferenceModel model, String name) throws Exception {
            // each row alone
            for (int b = 0; b < batch; b++) {
                try (StreamState s = model.newStream()) {
                    start(s, b);
                    for (int t = 0; t < length(b); t++) {
                        assertClose(output(t, b), s.step(x(t, b)), TOLERANCE, name + " row " + b + " step " + t);
                    }
                    end(s, b, name + " row " + b);
                }
            }
            // all rows through a batcher, every step submitted at once
            try (StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(2).build()) {
                List<StreamState> streams = new ArrayList<>();
                List<List<CompletableFuture<float[]>>> results = new ArrayList<>();
                for (int b = 0; b < batch; b++) {
                    StreamState s = model.newStream();
                    start(s, b);
                    streams.add(s);
                    List<CompletableFuture<float[]>> row = new ArrayList<>();
                    for (int t = 0; t < length(b); t++) {
                        row.add(batcher.submit(s, x(t, b)));
                    }
                    results.add(row);
                }
                for (int b = 0; b < batch; b++) {
                    for (int t = 0; t < length(b); t++) {
                        assertClose(output(t, b), results.get(b).get(t).get(), TOLERANCE, name + " batched row " + b + " step " + t);
                    }
                    end(streams.get(b), b, name + " batched row " + b);
                    streams.get(b).close();
                }
            }
        }

        private void start(StreamState s, int b) {
            if (h0 != null) {
                s.setState(state(h0, b), state(c0, b));
            }
        }

        private void end(StreamState s, int b, String what) {
            float[] h = new float[layers * hidden], c = cN == null ? null : new float[layers * hidden];
            s.getState(h, c);
            assertClose(state(hN, b), h, TOLERANCE, what + " h_n");
            if (c != null) {
                assertClose(state(cN, b), c, TOLERANCE, what + " c_n");
            }
        }
    }

    private static float[] data(Fixture f, String key) {
        Fixture.Array a = f.tensor(key);
        return a == null ? null : a.data();
    }

    private static float[] data(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        JsonNode d = node.get("data");
        float[] out = new float[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.parseFloat(d.get(i).asText());
        }
        return out;
    }
}
