package dev.panamarnn.cli;

import dev.panamarnn.CellType;
import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.examples.support.NetworkSize;
import dev.panamarnn.options.Range;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.Metrics;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import dev.panamarnn.model.TrainingResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rnn train sequences}: sequence classification or regression from a long CSV (one row per
 * time step), through the library's SequenceDataset, SequenceModel and Trainer: a progress bar, one
 * line per validated epoch, the model file (with the CSV layout in its metadata), the held-out
 * sequences as a CSV and a learning-curves PNG.
 */
@Command(name = "sequences", mixinStandardHelpOptions = true,
        description = "Train a sequence classifier or regressor on a long CSV (one row per time step; "
                + "default: the embedded UCI handwritten digits, each image a sequence of its 8 pixel rows).")
final class TrainSequencesCommand implements Callable<Integer> {
    @Option(names = "--csv", description = "Long-layout CSV file (.gz too); default: embedded digits (columns image,row,c0..c7,digit).")
    String csv;
    @Option(names = "--id", description = "Sequence-id column (rows with one id form one sequence).")
    String id;
    @Option(names = "--time", description = "Numeric column the rows of a sequence are sorted by (default: file order).")
    String time;
    @Option(names = "--features", split = ",", description = "Feature columns (default: every other column).")
    List<String> features;
    @Option(names = "--label", description = "Class-label column: classification.")
    String label;
    @Option(names = "--target", split = ",", description = "Numeric target column(s): regression.")
    List<String> targets;
    @Option(names = "--per-step", description = "The label or targets are read at every step (else once per sequence).")
    boolean perStep;
    @Option(names = "--cell", defaultValue = "gru", description = "lstm, gru, gru_reset_before (ONNX's default GRU), rnn_tanh or rnn_relu.")
    String cell;
    @Option(names = "--hidden", defaultValue = "64", description = "Hidden units per layer.")
    @Range(min = 1, max = 8192)
    int hidden;
    @Option(names = "--layers", defaultValue = "1", description = "Stacked recurrent layers.")
    @Range(min = 1, max = 16)
    int layers;
    @Option(names = "--bidirectional", description = "Read each sequence in both directions.")
    boolean bidirectional;
    @Option(names = "--dropout", defaultValue = "0", description = "Dropout between recurrent layers.")
    @Range(min = 0, max = 0.9)
    double dropout;
    @Option(names = "--head-hidden", defaultValue = "0", description = "Width of a hidden ReLU layer in the head (0: none).")
    @Range(min = 0, max = 8192)
    int headHidden;
    @Option(names = "--batch", defaultValue = "32", description = "Sequences per training step.")
    @Range(min = 1, max = 4096)
    int batch;
    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate.")
    @Range(min = 1e-9, max = 10)
    double lr;
    @Option(names = "--epochs", description = "Passes over the training part (default: 20 when no --steps or --minutes).")
    @Range(min = 1, max = 1000000)
    Integer epochs;
    @Option(names = "--steps", description = "Optimizer steps.")
    @Range(min = 1, max = 1e12)
    Long steps;
    @Option(names = "--minutes", description = "Wall-clock minutes.")
    @Range(min = 0.01, max = 10080)
    Double minutes;
    @Option(names = "--validation", defaultValue = "0.2", description = "Fraction of the sequences held out.")
    @Range(min = 0.01, max = 0.99)
    double validation;
    @Option(names = "--patience", defaultValue = "0", description = "Stop after this many epochs without a lower validation loss (0: off).")
    @Range(min = 0, max = 1000000)
    int patience;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of every random choice.")
    long seed;
    @Option(names = "--out", defaultValue = "rnn-sequences", description = "Output directory.")
    Path out;
    @Mixin
    RunSafety safety;

    @Override
    public Integer call() throws Exception {
        safety.prepare(out);
        Path modelFile = out.resolve("model.safetensors");
        SequenceSource source = SequenceSource.of(csv);
        CsvLayout layout = layout(source);
        Budget budget = budget();
        if (!(validation > 0 && validation < 1)) {
            throw new IllegalArgumentException("--validation must be in (0, 1), the fraction of sequences held out; got " + validation);
        }
        SequenceDataset data = source.read(layout);
        NetworkSize.of(CellType.fromId(cell), data.features(), hidden, layers, bidirectional, Math.max(headHidden, data.targets().classes() ? data.classes() : data.targetSize()),
                0, 0, batch, data.maxLength()).requireTrainable("--hidden " + hidden + " --layers " + layers + (bidirectional ? " --bidirectional" : "")
                + " --batch " + batch + " with " + data.features() + " features and sequences of up to " + data.maxLength() + " steps");
        SequenceDataset.Split split = data.split(validation, seed);
        if (safety.resume != null && !SeriesModelFiles.metadata(safety.resume).containsKey("csv.id")) {
            throw new IllegalArgumentException("--resume " + safety.resume + " is not a checkpoint of `rnn train sequences` (it names no "
                    + "CSV columns): resume with the model.safetensors a sequences run wrote");
        }
        DataFingerprint fingerprint = DataFingerprint.of(data);
        fingerprint.requireSameAs(safety.resume);
        System.out.printf("%s: %d sequences (%d to %d steps) of %d features, %s; training on %d, validating on %d%n",
                source.name(), data.size(), minLength(data), data.maxLength(), data.features(), what(data),
                split.train().size(), split.validation().size());
        try (SequenceModel model = safety.resume != null ? safety.requireSameArchitecture(SequenceModel.load(safety.resume))
                : SequenceModel.forData(split.train()).cell(CellType.fromId(cell)).hidden(hidden).layers(layers)
                        .bidirectional(bidirectional).dropout(dropout).headHidden(headHidden).seed(seed).build();
             TrainingProgress progress = new TrainingProgress(System.out, minutes == null ? 0 : minutes);
             Trainer trainer = safety.checkpoints(Trainer.builder(model).adam(lr).batchSize(batch).seed(seed).validation(split.validation())
                     .earlyStopping(patience).metadata(fingerprint.in(CsvLayoutMetadata.write(layout))).listener(progress), modelFile).build()) {
            if (safety.resume != null) {
                trainer.resume(safety.resume);
                System.out.println("resumed from " + safety.resume + " at step " + trainer.step());
            }
            System.out.printf("model: %s; kernels %s; budget %s%n", model.spec(), model.kernels().name(), budget);
            safety.create(out);
            safety.stopOnSignal(trainer);
            TrainingResult result = trainer.fit(split.train(), budget);
            if (safety.signalled() && result.reason().equals("stopped")) {
                progress.close();
                trainer.checkpoint(modelFile);
                RunSafety.reportStopped(System.out, modelFile, "rnn train sequences");
                return 130;
            }
            Metrics last = model.evaluate(split.validation());
            progress.last(last);
            progress.close();
            System.out.printf("%d steps in %.1f s (%s)%nvalidation: %s%n", progress.steps(), progress.seconds(), result.reason(), last);
            trainer.checkpoint(modelFile);                       // the model, its CSV layout and the optimizer state
            Path held = out.resolve("validation.csv");
            LongCsvWriter.write(held, split.validation(), layout);
            Path png = out.resolve("learning-curves.png");
            LearningCurvesPlot.write(png, model.spec().cell().id() + " H=" + model.spec().hiddenSize() + " on " + source.name(), model.spec().task(),
                    progress.points());
            System.out.println("model written to " + modelFile + ", held-out sequences to " + held + ", learning curves to " + png);
            System.out.println("predict the held-out sequences with:\n  ./rnn predict --model " + modelFile + " --csv " + held
                    + " --out " + out.resolve("predictions.csv"));
        } finally {
            safety.done();
        }
        return 0;
    }

    /** The CSV layout from the options, with the feature columns named (every other column when --features is omitted). */
    private CsvLayout layout(SequenceSource source) throws java.io.IOException {
        if (label != null && targets != null) {
            throw new IllegalArgumentException("give --label (classification) or --target (regression), not both");
        }
        boolean digits = csv == null;
        String idColumn = id != null ? id : digits ? SequenceSource.DIGITS_ID : null;
        String timeColumn = time != null ? time : digits && id == null ? SequenceSource.DIGITS_TIME : null;
        String labelColumn = label != null ? label : digits && targets == null ? SequenceSource.DIGITS_LABEL : null;
        if (idColumn == null) {
            throw new IllegalArgumentException("--id COLUMN is required with --csv: the column whose value names each row's sequence");
        }
        if (labelColumn == null && targets == null) {
            throw new IllegalArgumentException("give --label COLUMN (classification) or --target COLUMN[,COLUMN...] (regression)");
        }
        List<String> header = source.header();
        Map<String, Integer> fieldOf = new HashMap<>();              // each name's first field: a wide header is read once
        for (int i = 0; i < header.size(); i++) {
            fieldOf.putIfAbsent(header.get(i), i);
        }
        List<String> named = new ArrayList<>(List.of(idColumn));
        if (timeColumn != null) named.add(timeColumn);
        if (labelColumn != null) named.add(labelColumn);
        if (targets != null) named.addAll(targets);
        if (features != null) named.addAll(features);
        for (String column : named) {
            if (!fieldOf.containsKey(column)) {
                throw new IllegalArgumentException(source.name() + " has no column '" + column + "'; its columns are "
                        + String.join(", ", header));
            }
        }
        List<String> featureColumns = features;
        if (featureColumns == null) {
            Set<String> used = new HashSet<>(named);
            featureColumns = header.stream().filter(c -> !used.contains(c)).toList();
            for (int i = 0; i < header.size(); i++) {               // every other column is a feature: each needs a name of its own
                String column = header.get(i);
                if (column.isBlank()) {
                    throw new IllegalArgumentException(source.name() + " has no name for field " + (i + 1) + " of its header; name it or "
                            + "choose the feature columns with --features");
                }
                if (fieldOf.get(column) != i) {
                    throw new IllegalArgumentException(source.name() + " names column '" + column + "' twice in its header (fields "
                            + (fieldOf.get(column) + 1) + " and " + (i + 1) + "); rename one or choose the feature columns with --features");
                }
            }
            if (featureColumns.isEmpty()) {
                throw new IllegalArgumentException(source.name() + " has no feature columns: every column (" + String.join(", ", header)
                        + ") is the id, time, label or a target");
            }
        }
        for (String column : concat(named, featureColumns)) {        // they go into the model file, validation.csv and predictions
            if (column.chars().anyMatch(c -> Character.isISOControl(c) || c == '\u2028' || c == '\u2029')) {
                throw new IllegalArgumentException(source.name() + ": column name '" + column + "' (field " + (fieldOf.get(column) + 1)
                        + ") has a control character; column names, like ids and labels, must be printable text: rename it");
            }
        }
        CsvLayout layout = CsvLayout.id(idColumn).features(featureColumns.toArray(String[]::new)).perStep(perStep);
        if (timeColumn != null) layout = layout.time(timeColumn);
        return labelColumn != null ? layout.label(labelColumn) : layout.targets(targets.toArray(String[]::new));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private Budget budget() {
        int given = (epochs != null ? 1 : 0) + (steps != null ? 1 : 0) + (minutes != null ? 1 : 0);
        if (given > 1) {
            throw new IllegalArgumentException("give one of --epochs, --steps or --minutes");
        }
        if (steps != null) return Budget.steps(positive("--steps", steps));
        if (minutes != null) return Budget.minutes(minutes);
        return Budget.epochs((int) positive("--epochs", epochs != null ? epochs : 20));
    }

    private static long positive(String option, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be at least 1, got " + value);
        }
        return value;
    }

    private static int minLength(SequenceDataset data) {
        int min = Integer.MAX_VALUE;
        for (int i = 0; i < data.size(); i++) {
            min = Math.min(min, data.length(i));
        }
        return min;
    }

    private static String what(SequenceDataset data) {
        String per = data.targets().perStep() ? " per step" : " per sequence";
        return data.targets().classes() ? data.classes() + " classes" + per : data.targetSize() + " target value(s)" + per;
    }
}
