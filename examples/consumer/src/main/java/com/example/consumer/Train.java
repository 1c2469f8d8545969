package com.example.consumer;

import dev.panamarnn.CellType;
import dev.panamarnn.RuntimeInfo;
import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.Metrics;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import java.nio.file.Path;

/**
 * Trains a sequence classifier on a CSV in the long layout (one row per time step) and saves it.
 * Usage: {@code java --enable-native-access=ALL-UNNAMED -cp target/classes:target/lib/* com.example.consumer.Train data.csv model.safetensors}
 */
public final class Train {
    /** The CSV's columns: the sequence id, the time, the label; every other column is a feature. */
    static final CsvLayout LAYOUT = CsvLayout.id("image").time("row").label("digit");
    /** The validation fraction and seed, shared with {@link Serve} so both see the same held-out sequences. */
    static final double VALIDATION = 0.2;
    static final long SPLIT_SEED = 42;

    private Train() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Train <data.csv> <model.safetensors>");
            System.exit(2);
        }
        Path csv = Path.of(args[0]);
        Path modelFile = Path.of(args[1]);
        SequenceDataset data = SequenceDataset.fromCsv(csv, LAYOUT);
        SequenceDataset.Split split = data.split(VALIDATION, SPLIT_SEED);
        System.out.printf("train: %s: %d sequences, %d features, %d classes; %d for training, %d for validation%n",
                csv, data.size(), data.features(), data.classes(), split.train().size(), split.validation().size());
        System.out.println("train: kernels " + RuntimeInfo.current().kernels());
        long start = System.nanoTime();
        try (SequenceModel model = SequenceModel.forData(split.train()).cell(CellType.GRU).hidden(32).seed(7).build();
             Trainer trainer = Trainer.builder(model).adam(1e-2)
                     .validation(split.validation()).earlyStopping(5).build()) {
            trainer.fit(split.train(), Budget.epochs(40));
            Metrics validation = model.evaluate(split.validation());
            System.out.printf("train: validation accuracy %.3f (loss %.4f) after %.1f s%n",
                    validation.accuracy(), validation.loss(), (System.nanoTime() - start) / 1e9);
            model.save(modelFile);
            System.out.println("train: saved " + modelFile);
        }
    }
}
