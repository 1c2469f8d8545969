package com.example.modular;

import dev.panamarnn.RuntimeInfo;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.model.SequenceModel;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Loads the model the class-path consumer trained and steps one stream, from a named module on
 * the module path: the library's module descriptor exports what a user needs (model, infer, ...).
 * Usage: ServeOnModulePath MODEL
 */
public final class ServeOnModulePath {
    private ServeOnModulePath() {}

    public static void main(String[] args) throws Exception {
        try (SequenceModel model = SequenceModel.load(Path.of(args[0]));
             InferenceModel served = InferenceModel.of(model);
             StreamState stream = served.newStream()) {
            float[] out = new float[served.outputSize()];
            float[] event = new float[served.inputSize()];
            for (int t = 0; t < 8; t++) {
                Arrays.fill(event, t);
                stream.step(event, out);
            }
            System.out.println("module path: " + out.length + " outputs after 8 steps, kernels "
                    + RuntimeInfo.current().asMap().get("kernels") + ", " + RuntimeInfo.current().asMap().get("openblas"));
        }
    }
}
