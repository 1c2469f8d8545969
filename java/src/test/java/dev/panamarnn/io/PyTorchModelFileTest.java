package dev.panamarnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panamarnn.Rnn;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Tensor;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Model files exported from PyTorch 1.13 by scripts/export_pytorch_model.py load into an Rnn built
 * from their metadata and give PyTorch's outputs and final states (tolerance 1e-5 * (1 + |ref|)),
 * on the Java and the native kernels. The maximum difference is printed.
 */
class PyTorchModelFileTest {
    static final double TOLERANCE = 1e-5;
    static final List<String> MODELS = List.of("lstm_l2_bi", "gru_l1_uni_batchfirst", "rnn_tanh_l2_uni", "rnn_relu_l1_bi", "lstm_l1_nested");

    static Stream<Arguments> cases() {
        return MODELS.stream().flatMap(m -> Stream.of(Arguments.of(m, "java"), Arguments.of(m, "native")));
    }

    static Path resource(String name) throws Exception {
        var url = PyTorchModelFileTest.class.getResource("/modelfiles/" + name);
        if (url == null) {
            throw new IllegalStateException("modelfiles/" + name + " missing from the test class path");
        }
        return Path.of(url.toURI());
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void matchesPyTorch(String model, String kernelsName) throws Exception {
        JsonNode ref;
        try (InputStream in = PyTorchModelFileTest.class.getResourceAsStream("/modelfiles/" + model + ".json")) {
            ref = new ObjectMapper().readTree(in);
        }
        Kernels kernels = kernelsName.equals("java") ? KernelSelection.java() : KernelsForTests.nativeKernels();
        String prefix = ref.get("prefix").asText();
        try (SafeTensorsFile file = SafeTensors.read(resource(model + ".safetensors"));
             Rnn rnn = ModelFile.load(file, prefix, kernels);
             Workspace ws = rnn.workspace(ref.get("seq_len").asInt(), ref.get("batch").asInt());
             Arena arena = Arena.ofConfined()) {
            assertEquals(ref.get("batch_first").asBoolean(), rnn.config().batchFirst());
            Tensor x = tensor(arena, ref.get("x"));
            Tensor h0 = tensor(arena, ref.get("h0"));
            Tensor c0 = tensor(arena, ref.get("c0"));
            ws.forward(x, null, h0, c0, false);
            compare(model, "output", ref.get("output"), ws.output());
            compare(model, "h_n", ref.get("h_n"), ws.finalHidden());
            if (!ref.get("c_n").isNull()) {
                compare(model, "c_n", ref.get("c_n"), ws.finalCell());
            }
        }
    }

    /** The metadata PyTorch's side wrote, including free-form entries with escapes and non-ASCII text. */
    @Test
    void exportedMetadataIsReadExactly() throws Exception {
        try (SafeTensorsFile f = SafeTensors.read(resource("lstm_l1_nested.safetensors"))) {
            assertEquals("lstm", f.metadata().get("rnn.cell"));
            assertEquals("a \"nested\" network\twith a head\nnon-ASCII: \u00e9 \u20ac \uD83D\uDE00", f.metadata().get("note"));
            assertEquals(List.of("rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "head.weight", "head.bias"),
                    f.names());
            assertArrayEquals(new int[] {2, 3}, f.shape("head.weight"));
        }
        try (SafeTensorsFile f = SafeTensors.read(resource("lstm_l2_bi.safetensors"))) {
            assertEquals("0.25", f.metadata().get("dropout"));
            assertEquals(0.25, ModelFile.config(f, "").dropout());
            assertFalse(f.contains("rnn.cell"));
        }
    }

    static Tensor tensor(Arena arena, JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        int[] shape = new int[node.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = node.get("shape").get(i).asInt();
        }
        float[] data = new float[node.get("data").size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = Float.parseFloat(node.get("data").get(i).asText());
        }
        return Tensor.allocate(arena, shape).copyFrom(data);
    }

    static void compare(String model, String what, JsonNode expectedNode, Tensor actual) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor expected = tensor(arena, expectedNode);
            assertArrayEquals(expected.shape(), actual.shape(), model + " " + what + " shape");
            float[] want = expected.toArray(), got = actual.toArray();
            double maxDiff = 0;
            int worst = -1;
            for (int i = 0; i < got.length; i++) {
                double diff = Math.abs(got[i] - want[i]);
                maxDiff = Math.max(maxDiff, Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff);
                if (!(diff <= TOLERANCE * (1 + Math.abs(want[i])))) {
                    worst = worst < 0 ? i : worst;
                }
            }
            System.out.printf("[PyTorchModelFileTest] %s %s: max |diff| %.3g over %d values%n", model, what, maxDiff, got.length);
            if (worst >= 0) {
                fail(model + " " + what + ": element " + worst + " is " + got[worst] + ", PyTorch " + want[worst] + "; max |diff| " + maxDiff
                        + "; first values " + Arrays.toString(Arrays.copyOf(got, Math.min(6, got.length)))
                        + " vs " + Arrays.toString(Arrays.copyOf(want, Math.min(6, want.length))));
            }
        }
    }
}
