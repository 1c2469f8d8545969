package dev.panamarnn.cli;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceDataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a data set read from a long CSV back in that layout (the held-out validation part, for
 * {@code rnn predict}): the layout's id, time, feature and label or target columns, one row per
 * step. The time column holds the step index 0..T-1 (the order the original times gave).
 */
final class LongCsvWriter {
    private LongCsvWriter() {}

    static void write(Path file, SequenceDataset data, CsvLayout layout) throws IOException {
        List<String> header = new ArrayList<>(CsvLayoutMetadata.inputColumns(layout));
        header.addAll(CsvLayoutMetadata.targetColumns(layout));
        AtomicFiles.write(file, out -> {
            out.write(String.join(",", header) + "\n");
            for (int i = 0; i < data.size(); i++) {
                float[][] x = data.inputs(i);
                for (int t = 0; t < x.length; t++) {
                    StringBuilder row = new StringBuilder(data.ids().get(i));
                    if (layout.timeColumn() != null) {
                        row.append(',').append(t);
                    }
                    for (float v : x[t]) {
                        row.append(',').append(number(v));
                    }
                    targets(row, data, i, t);
                    out.write(row.append('\n').toString());
                }
            }
        });
    }

    private static void targets(StringBuilder row, SequenceDataset data, int i, int t) {
        switch (data.targets()) {
            case CLASS_PER_SEQUENCE -> row.append(',').append(data.classNames().get(data.label(i)));
            case CLASS_PER_STEP -> row.append(',').append(data.classNames().get(data.stepLabels(i)[t]));
            case VALUES_PER_SEQUENCE -> {
                for (float v : data.target(i)) {
                    row.append(',').append(number(v));
                }
            }
            case VALUES_PER_STEP -> {
                for (float v : data.stepTargets(i)[t]) {
                    row.append(',').append(number(v));
                }
            }
            case LABEL_SEQUENCE -> throw new IllegalArgumentException("unaligned label sequences (CTC) have no column in the long CSV layout");
            case NONE -> { }
        }
    }

    /** Whole numbers without ".0" (pixel counts stay 0..16), others as Float.toString (exact round trip). */
    static String number(float v) {
        return v == Math.rint(v) && Math.abs(v) < 1e7 ? Long.toString((long) v) : Float.toString(v);
    }
}
