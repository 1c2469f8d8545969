package dev.panamarnn.examples;

import dev.panamarnn.CellType;
import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamBatcher;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The README's quick start, compiled and run by the tests: from a CSV in the long layout (one row
 * per time step: sequence id, time, features, label) to a trained, saved, reloaded and served
 * model. The lines between the markers are the README's, word for word (QuickStartTest checks).
 * Run: {@code java -cp ... dev.panamarnn.examples.QuickStart examples/src/main/resources/data/digits.csv.gz digits.safetensors}
 */
public final class QuickStart {
    private QuickStart() {}

    public static void main(String[] args) throws Exception {
        Path csv = Path.of(args.length > 0 ? args[0] : "examples/src/main/resources/data/digits.csv.gz");
        Path file = Path.of(args.length > 1 ? args[1] : "digits.safetensors");
        // quick start: begin
        SequenceDataset data = SequenceDataset.fromCsv(csv, CsvLayout.id("image").time("row").label("digit"));
        SequenceDataset.Split split = data.split(0.2, 42);                 // 20 % held out for validation
        try (SequenceModel model = SequenceModel.forData(split.train())    // features, normalisation, classes: from the data
                     .cell(CellType.GRU).hidden(64).build();
             Trainer trainer = Trainer.builder(model).adam(3e-3)
                     .validation(split.validation()).earlyStopping(3).build()) {
            trainer.fit(split.train(), Budget.epochs(30));
            System.out.println("validation: " + model.evaluate(split.validation()));
            model.save(file);
        }
        // in the service (any JVM): load and serve
        try (SequenceModel trained = SequenceModel.load(file);
             InferenceModel served = InferenceModel.of(trained);            // immutable, shared by every thread
             StreamBatcher batcher = StreamBatcher.builder(served).build();  // many streams' steps, one GEMM
             StreamState stream = served.newStream()) {                     // one per session, sensor or user
            float[] logits = null;
            for (float[] event : split.validation().inputs(0)) {            // events arrive one at a time
                logits = batcher.submit(stream, event).join();              // the head's output after each
            }
            System.out.println("logits " + Arrays.toString(logits) + " for classes " + trained.spec().classNames());
        }
        // quick start: end
    }
}
