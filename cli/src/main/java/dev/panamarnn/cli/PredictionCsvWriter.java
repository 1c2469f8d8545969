package dev.panamarnn.cli;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.ModelSpec;
import dev.panamarnn.model.OutputMode;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a sequence model's predictions as CSV, one line per sequence (or per step of a per-step
 * model, with its step index 0..T-1): the sequence id, then the predicted class name and its
 * softmax probability, or the predicted values; columns named after the trained-on columns
 * ({@code predicted_<label>}, {@code predicted_<target>}). Ids are printable (the CSV reader refuses
 * control characters in them); column and class names, which may come from the model file, are
 * written escaped ({@link PrintableText#cell}), so no control character reaches the file or terminal.
 */
final class PredictionCsvWriter {
    private PredictionCsvWriter() {}

    /**
     * @param outputs per sequence (outputs) or, per step, (T_i * outputs) floats: logits or values
     */
    static void write(Writer out, SequenceDataset data, ModelSpec spec, CsvLayout layout, float[][] outputs) throws IOException {
        boolean perStep = spec.outputMode() == OutputMode.PER_STEP;
        boolean classes = spec.task().hasClasses();
        int k = spec.outputs();
        List<String> header = new ArrayList<>(List.of(layout.idColumn()));
        if (perStep) {
            header.add("step");
        }
        if (classes) {
            header.add("predicted_" + layout.labelColumn());
            header.add("probability");
        } else {
            layout.targetColumns().forEach(c -> header.add("predicted_" + c));
        }
        out.write(String.join(",", header.stream().map(PrintableText::cell).toList()) + "\n");
        for (int i = 0; i < data.size(); i++) {
            int steps = perStep ? data.length(i) : 1;
            for (int t = 0; t < steps; t++) {
                StringBuilder row = new StringBuilder(data.ids().get(i));
                if (perStep) {
                    row.append(',').append(t);
                }
                int at = t * k;
                if (classes) {
                    int best = argMax(outputs[i], at, k);
                    row.append(',').append(spec.classNames().isEmpty() ? Integer.toString(best) : PrintableText.cell(spec.classNames().get(best)))
                            .append(',').append(String.format("%.4f", probability(outputs[i], at, k, best)));
                } else {
                    for (int j = 0; j < k; j++) {
                        row.append(',').append(outputs[i][at + j]);
                    }
                }
                out.write(row.append('\n').toString());
            }
        }
    }

    static int argMax(float[] logits, int at, int k) {
        int best = 0;
        for (int c = 1; c < k; c++) {
            if (logits[at + c] > logits[at + best]) {
                best = c;
            }
        }
        return best;
    }

    /** The softmax probability of class {@code c} among logits[at, at + k). */
    static double probability(float[] logits, int at, int k, int c) {
        double max = logits[at + argMax(logits, at, k)];
        double sum = 0;
        for (int j = 0; j < k; j++) {
            sum += Math.exp(logits[at + j] - max);
        }
        return Math.exp(logits[at + c] - max) / sum;
    }
}
