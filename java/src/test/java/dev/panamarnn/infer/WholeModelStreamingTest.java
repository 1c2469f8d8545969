package dev.panamarnn.infer;

import static dev.panamarnn.infer.InferTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A whole model served step by step equals the model over whole sequences ({@link SequenceModel#predict}):
 * per step, the stream's output at step t is the model's output at t; per sequence, the stream's
 * output after step t is the model's prediction for the prefix of t + 1 steps (so after the last
 * step, its prediction for the sequence). Tokens and normalised features, LSTM, GRU and RNN, 1 and 2
 * layers, one Linear and a head with a hidden ReLU layer, Java and native kernels.
 */
class WholeModelStreamingTest {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String kernels : new String[] {"java", "native"}) {
            for (CellType cell : new CellType[] {CellType.LSTM, CellType.GRU, CellType.GRU_RESET_BEFORE, CellType.RNN_TANH}) {
                for (int layers = 1; layers <= 2; layers++) {
                    for (boolean tokens : new boolean[] {false, true}) {
                        int headHidden = (layers + (tokens ? 1 : 0)) % 2 == 0 ? 7 : 0;   // each input with both heads
                        cases.add(Arguments.of(kernels, cell, layers, tokens ? "tokens" : "features", headHidden));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} L={2} {3} K={4}")
    @MethodSource("cases")
    void perStepStreamEqualsTheModelAtEveryStep(String kernelName, CellType cell, int layers, String input, int headHidden) {
        Kernels kernels = InferTesting.kernels(kernelName);
        boolean tokens = input.equals("tokens");
        SequenceDataset data = WholeModels.data(tokens, OutputMode.PER_STEP, 21);
        try (SequenceModel model = WholeModels.model(tokens, cell, layers, headHidden, OutputMode.PER_STEP, 3, kernels);
             InferenceModel served = InferenceModel.of(model);
             StreamState stream = served.newStream()) {
            assertEquals(WholeModels.OUTPUTS, served.outputSize());
            assertEquals(WholeModels.OUTPUTS, stream.outputSize());
            float[][] expected = model.predict(data);                                    // (N) each (T_i * outputs), step-major
            double tol = WholeModels.tolerance(served.inputSize(), layers, headHidden);
            for (int i = 0; i < data.size(); i++) {
                float[][] y = WholeModels.stream(stream, data, i);
                for (int t = 0; t < y.length; t++) {
                    float[] at = Arrays.copyOfRange(expected[i], t * WholeModels.OUTPUTS, (t + 1) * WholeModels.OUTPUTS);
                    assertClose(at, y[t], tol, "sequence " + i + " step " + t);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} L={2} {3} K={4}")
    @MethodSource("cases")
    void perSequenceStreamEqualsThePredictionForEveryPrefix(String kernelName, CellType cell, int layers, String input, int headHidden) {
        Kernels kernels = InferTesting.kernels(kernelName);
        boolean tokens = input.equals("tokens");
        SequenceDataset data = WholeModels.data(tokens, OutputMode.SEQUENCE, 31);
        try (SequenceModel model = WholeModels.model(tokens, cell, layers, headHidden, OutputMode.SEQUENCE, 4, kernels);
             InferenceModel served = InferenceModel.of(model);
             StreamState stream = served.newStream()) {
            double tol = WholeModels.tolerance(served.inputSize(), layers, headHidden);
            float[][] whole = model.predict(data);                                       // (N, outputs)
            for (int i = 0; i < data.size(); i++) {
                float[][] y = WholeModels.stream(stream, data, i);
                assertClose(whole[i], y[y.length - 1], tol, "sequence " + i + " after its last step");
            }
            int longest = 1;
            float[][] prefixes = model.predict(WholeModels.prefixes(data, longest));     // (T, outputs): prefix t + 1 at row t
            float[][] y = WholeModels.stream(stream, data, longest);
            for (int t = 0; t < y.length; t++) {
                assertClose(prefixes[t], y[t], tol, "after step " + t + ", the prediction for the first " + (t + 1) + " steps");
            }
        }
    }
}
