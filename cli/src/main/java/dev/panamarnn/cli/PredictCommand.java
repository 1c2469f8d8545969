package dev.panamarnn.cli;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.examples.support.UserFiles;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.model.Metrics;
import dev.panamarnn.model.ModelSpec;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.SequenceModelFile;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rnn predict}: a model from {@code rnn train sequences} on a CSV with the columns it was
 * trained on (named in the model file's metadata); one line per sequence (or step) to --out or
 * standard output; with the label or target column present, the accuracy or MAE/RMSE too.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict with a sequence model (from `rnn train sequences`) on a long CSV with the columns it was trained on.")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "A model file written by `rnn train sequences`.")
    Path model;
    @Option(names = "--csv", required = true, description = "Long-layout CSV (.gz too, or embedded:digits.csv.gz); the label or "
            + "target column may be missing, else it is scored.")
    String csv;
    @Spec
    CommandSpec spec;
    @Option(names = "--out", description = "Predictions CSV (default: standard output, and the scores go to standard error).")
    Path out;

    @Override
    public Integer call() throws Exception {
        UserFiles.regularFile(model, "model file");
        if (out != null) {
            UserFiles.outputFile(out, "--out", model, csv.startsWith("embedded:") ? null : Path.of(csv));
        }
        CsvLayout layout = trainedLayout();
        try (SequenceModel m = SequenceModel.load(model)) {
            requireLayoutFits(layout, m.spec());
            return predict(m, layout);
        }
    }

    /**
     * The model file's CSV layout reads what its network takes and gives: as many feature columns as
     * it reads features, a label column for a classifier and as many target columns as a regressor
     * predicts values, per step exactly when it predicts per step; else the file was edited or damaged.
     */
    private void requireLayoutFits(CsvLayout layout, ModelSpec network) throws ModelFileException {
        boolean perStep = network.outputMode() == OutputMode.PER_STEP;
        String problem = null;
        if (network.tokens() || layout.featureColumns().size() != network.features()) {
            problem = "its network reads " + (network.tokens() ? "tokens" : network.features() + " feature(s) per step") + ", its CSV layout "
                    + "(csv.features) names " + layout.featureColumns().size() + " feature column(s)";
        } else if (layout.perStep() != perStep) {
            problem = "its network predicts " + (perStep ? "per step" : "per sequence") + ", its CSV layout (csv.per_step) says "
                    + layout.perStep();
        } else if (network.task().hasClasses() != (layout.labelColumn() != null)) {
            problem = "its network is a " + network.task().id() + " model, its CSV layout names " + (layout.labelColumn() != null
                    ? "a label column (csv.label)" : "no label column (csv.label)");
        } else if (!network.task().hasClasses() && layout.targetColumns().size() != network.outputs()) {
            problem = "its network predicts " + network.outputs() + " value(s), its CSV layout (csv.targets) names "
                    + layout.targetColumns().size() + " target column(s)";
        }
        if (problem != null) {
            throw new ModelFileException(model, problem);
        }
    }

    private Integer predict(SequenceModel m, CsvLayout layout) throws IOException {
        SequenceSource source = SequenceSource.of(csv);
        List<String> header = source.header();
        java.util.Set<String> columns = new java.util.HashSet<>(header);   // a wide header is read once, not once per column
        List<String> missing = CsvLayoutMetadata.inputColumns(layout).stream().filter(c -> !columns.contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(source.name() + " lacks the column(s) " + String.join(", ", missing)
                    + " that the model reads; its columns are " + String.join(", ", header));
        }
        boolean scored = columns.containsAll(CsvLayoutMetadata.targetColumns(layout));
        SequenceDataset data = source.read(scored ? layout : CsvLayoutMetadata.inputsOnly(layout));
        float[][] outputs = m.predict(data);
        if (out != null) {
            AtomicFiles.write(out, w -> PredictionCsvWriter.write(w, data, m.spec(), layout, outputs));
        } else {
            Writer w = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
            PredictionCsvWriter.write(w, data, m.spec(), layout, outputs);
            w.flush();
        }
        PrintWriter report = out != null ? new PrintWriter(System.out, true, StandardCharsets.UTF_8) : spec.commandLine().getErr();
        String lines = m.spec().outputMode() == OutputMode.PER_STEP ? "steps of " + data.size() + " sequences" : data.size() + " sequences";
        report.println("predicted " + lines + (out != null ? " into " + out : ""));
        if (scored) {
            report.println(score(m, data, outputs));
        }
        report.flush();
        return 0;
    }

    /** The CSV layout stored by {@code rnn train sequences}; refuses any other model file. */
    private CsvLayout trainedLayout() throws IOException {
        Map<String, String> metadata;
        try (SafeTensorsFile f = ModelFile.read(model)) {
            metadata = f.metadata();
        }
        String kind = metadata.get(SequenceModelFile.KIND_KEY);
        if (!SequenceModelFile.KIND.equals(kind)) {
            throw new IllegalArgumentException(model + " is not a sequence model (its kind is " + (kind == null ? "not set" : "'" + kind + "'")
                    + "); predict reads the model.safetensors of `rnn train sequences`");
        }
        CsvLayout layout = ModelFiles.interpret(model, () -> CsvLayoutMetadata.read(metadata));
        if (layout == null) {
            throw new IllegalArgumentException(model + " names no CSV columns (no " + CsvLayoutMetadata.ID + " and " + CsvLayoutMetadata.FEATURES
                    + " metadata); predict reads the model.safetensors of `rnn train sequences`");
        }
        return layout;
    }

    /**
     * Accuracy by class name (the CSV's labels need not be the model's classes: an unknown label
     * counts as wrong), or the model's own MAE/RMSE.
     */
    private static String score(SequenceModel m, SequenceDataset data, float[][] outputs) {
        if (!m.spec().task().hasClasses()) {
            Metrics metrics = m.evaluate(data);
            return String.format("MAE %.6g  RMSE %.6g  (%d %s)", metrics.mae(), metrics.rmse(), metrics.rows(),
                    m.spec().outputMode() == OutputMode.PER_STEP ? "steps" : "sequences");
        }
        List<String> names = m.spec().classNames();
        int k = m.spec().outputs();
        long correct = 0, rows = 0;
        for (int i = 0; i < data.size(); i++) {
            boolean perStep = m.spec().outputMode() == OutputMode.PER_STEP;
            int[] labels = perStep ? data.stepLabels(i) : new int[] {data.label(i)};
            for (int t = 0; t < labels.length; t++) {
                int predicted = PredictionCsvWriter.argMax(outputs[i], t * k, k);
                String name = names.isEmpty() ? Integer.toString(predicted) : names.get(predicted);
                correct += name.equals(data.classNames().get(labels[t])) ? 1 : 0;
                rows++;
            }
        }
        return String.format("accuracy %.4f  (%d of %d %s)", (double) correct / rows, correct, rows,
                m.spec().outputMode() == OutputMode.PER_STEP ? "steps" : "sequences");
    }
}
