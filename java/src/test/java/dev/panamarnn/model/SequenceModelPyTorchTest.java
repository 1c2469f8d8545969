package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole sequence models against PyTorch 1.13: model files that scripts/export_sequence_model.py
 * wrote from a PyTorch SequenceModule (embedding or normalised features, LSTM/GRU/RNN, a Linear or
 * Linear-ReLU-Linear head, per step or per sequence; classification, regression, language model, CTC)
 * load through {@link SequenceModelFile}; one training pass on the fixture's padded batch gives
 * PyTorch's head output, loss and the gradient of every parameter — on the Java and the native
 * kernels. Tolerance 2e-5 * (1 + |reference|); the worst element is named on failure.
 */
class SequenceModelPyTorchTest {
    static final double TOLERANCE = 2e-5;

    static Stream<Arguments> cases() throws IOException, URISyntaxException {
        Path dir = directory();
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted()
                    .map(n -> n.substring(0, n.length() - 5)).toList().stream()
                    .flatMap(n -> Stream.of(Arguments.of(n, "java"), Arguments.of(n, "native")));
        }
    }

    static Path directory() throws URISyntaxException {
        var url = SequenceModelPyTorchTest.class.getResource("/sequencemodel/README.md");
        if (url == null) {
            throw new IllegalStateException("sequencemodel/ fixtures missing from the test class path");
        }
        return Path.of(url.toURI()).getParent();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void matchesPyTorch(String name, String kernelsName) throws Exception {
        Path dir = directory();
        JsonNode f = new ObjectMapper().readTree(dir.resolve(name + ".json").toFile());
        Kernels kernels = kernelsName.equals("java") ? KernelSelection.java() : KernelsForTests.nativeKernels();
        try (SequenceModel model = SequenceModelFile.load(dir.resolve(name + ".safetensors"), kernels)) {
            assertEquals(f.get("config").get("model.task").asText(), model.spec().task().id(), name + " task");
            SequenceBatch batch = batch(f, model.spec());
            ModelPass pass = model.pass(batch.steps(), batch.batch());
            pass.load(batch);
            MemorySegment y = pass.forward(true);
            compareRealSteps(name, outputTimeMajor(f, model.spec(), batch), y, model.spec(), batch);
            model.zeroGradients();
            double loss = pass.lossAndBackward();
            double expectedLoss = f.get("loss").asDouble();
            if (Math.abs(loss - expectedLoss) > TOLERANCE * (1 + Math.abs(expectedLoss))) {
                fail(name + " loss " + loss + ", PyTorch " + expectedLoss);
            }
            Iterator<Map.Entry<String, JsonNode>> grads = f.get("grads").fields();
            int checked = 0;
            while (grads.hasNext()) {
                Map.Entry<String, JsonNode> g = grads.next();
                Tensor actual = model.gradients().get(g.getKey());
                compare(name, "grad " + g.getKey(), floats(g.getValue()), actual.segment());
                checked++;
            }
            assertEquals(model.parameters().tensors().size(), checked, name + ": every parameter's gradient is in the fixture");
        }
    }

    /** The fixture's batch-first arrays as the time-major batch the model reads. */
    static SequenceBatch batch(JsonNode f, ModelSpec spec) {
        int b = f.get("batch").asInt(), t = f.get("steps").asInt();
        int[] lengths = ints(f.get("lengths"));
        float[] features = null;
        int[] tokens = null;
        if (spec.tokens()) {
            tokens = timeMajor(ints(f.get("tokens")), b, t, 1);
        } else {
            features = timeMajor(floats(f.get("x")), b, t, spec.features());
        }
        boolean perStep = spec.outputMode() == OutputMode.PER_STEP;
        int[] labels = null;
        float[] targets = null;
        int[][] labelSequences = null;
        if (f.has("label_sequences")) {                                       // CTC: (B) each (S_b)
            labelSequences = new int[b][];
            for (int i = 0; i < b; i++) {
                JsonNode row = f.get("label_sequences").get(i);
                labelSequences[i] = new int[row.size()];
                for (int s = 0; s < row.size(); s++) {
                    labelSequences[i][s] = row.get(s).asInt();
                }
            }
        } else if (f.has("labels")) {
            labels = perStep ? timeMajor(ints(f.get("labels")), b, t, 1) : ints(f.get("labels"));
        } else {
            targets = perStep ? timeMajor(floats(f.get("targets")), b, t, spec.outputs()) : floats(f.get("targets"));
        }
        int[] rows = new int[b];
        Arrays.setAll(rows, i -> i);
        return new SequenceBatch(t, b, lengths, features, tokens, labels, targets, rows, labelSequences);
    }

    static float[] outputTimeMajor(JsonNode f, ModelSpec spec, SequenceBatch batch) {
        float[] out = floats(f.get("output"));
        return spec.outputMode() == OutputMode.PER_STEP ? timeMajor(out, batch.batch(), batch.steps(), spec.outputs()) : out;
    }

    /** (B, T, w) -> (T, B, w). */
    static float[] timeMajor(float[] a, int b, int t, int w) {
        float[] out = new float[a.length];
        for (int i = 0; i < b; i++) {
            for (int s = 0; s < t; s++) {
                System.arraycopy(a, (i * t + s) * w, out, (s * b + i) * w, w);
            }
        }
        return out;
    }

    static int[] timeMajor(int[] a, int b, int t, int w) {
        int[] out = new int[a.length];
        for (int i = 0; i < b; i++) {
            for (int s = 0; s < t; s++) {
                System.arraycopy(a, (i * t + s) * w, out, (s * b + i) * w, w);
            }
        }
        return out;
    }

    static float[] floats(JsonNode tensor) {
        JsonNode data = tensor.get("data");
        float[] out = new float[data.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) data.get(i).asDouble();
        }
        return out;
    }

    static int[] ints(JsonNode tensor) {
        JsonNode data = tensor.get("data");
        int[] out = new int[data.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = data.get(i).asInt();
        }
        return out;
    }

    /** The head's output where PyTorch has one: every row per sequence, the real steps per step (padded ones are 0 there). */
    static void compareRealSteps(String fixture, float[] expected, MemorySegment actual, ModelSpec spec, SequenceBatch batch) {
        if (spec.outputMode() == OutputMode.SEQUENCE) {
            compare(fixture, "output", expected, actual);
            return;
        }
        int out = spec.outputs();
        float[] got = new float[expected.length];
        for (int t = 0; t < batch.steps(); t++) {
            for (int b = 0; b < batch.batch(); b++) {
                int row = t * batch.batch() + b;
                for (int k = 0; k < out; k++) {
                    got[row * out + k] = t < batch.lengths()[b] ? actual.getAtIndex(ValueLayout.JAVA_FLOAT, (long) row * out + k) : 0f;
                }
            }
        }
        compare(fixture, "output", expected, MemorySegment.ofArray(got));
    }

    static void compare(String fixture, String what, float[] expected, MemorySegment actual) {
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            float got = actual.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            double excess = Math.abs(got - expected[i]) - TOLERANCE * (1 + Math.abs(expected[i]));
            if (Float.isNaN(got) || excess > worst) {
                worst = Float.isNaN(got) ? Double.POSITIVE_INFINITY : excess;
                at = i;
            }
        }
        if (at >= 0) {
            fail(fixture + " " + what + ": element " + at + " is " + actual.getAtIndex(ValueLayout.JAVA_FLOAT, at) + ", PyTorch "
                    + expected[at]);
        }
    }
}
