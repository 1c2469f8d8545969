package dev.panamarnn.cli;

import dev.panamarnn.data.CsvLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CSV layout a sequence model was trained on, as model-file metadata ({@code csv.*} keys), so
 * that {@code rnn predict} reads another CSV with the same columns. Column names are joined with
 * commas, which the CSV dialect never allows inside a name.
 */
final class CsvLayoutMetadata {
    static final String ID = "csv.id";
    static final String TIME = "csv.time";
    static final String FEATURES = "csv.features";
    static final String LABEL = "csv.label";
    static final String TARGETS = "csv.targets";
    static final String PER_STEP = "csv.per_step";

    private CsvLayoutMetadata() {}

    /** The metadata of a layout whose feature columns are named explicitly. */
    static Map<String, String> write(CsvLayout layout) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(ID, layout.idColumn());
        if (layout.timeColumn() != null) {
            m.put(TIME, layout.timeColumn());
        }
        m.put(FEATURES, String.join(",", layout.featureColumns()));
        if (layout.labelColumn() != null) {
            m.put(LABEL, layout.labelColumn());
        } else {
            m.put(TARGETS, String.join(",", layout.targetColumns()));
        }
        m.put(PER_STEP, Boolean.toString(layout.perStep()));
        return m;
    }

    /** The layout in {@code metadata}, or null when it has none (a model not trained by {@code rnn train sequences}). */
    static CsvLayout read(Map<String, String> metadata) {
        String id = metadata.get(ID);
        String features = metadata.get(FEATURES);
        if (id == null || features == null || features.isEmpty()) {
            return null;
        }
        CsvLayout layout = CsvLayout.id(id).features(features.split(",")).perStep(Boolean.parseBoolean(metadata.get(PER_STEP)));
        if (metadata.containsKey(TIME)) {
            layout = layout.time(metadata.get(TIME));
        }
        if (metadata.containsKey(LABEL)) {
            return layout.label(metadata.get(LABEL));
        }
        String targets = metadata.get(TARGETS);
        return targets == null || targets.isEmpty() ? layout : layout.targets(targets.split(","));
    }

    /** The columns the layout reads as inputs: id, time (if any), features. */
    static List<String> inputColumns(CsvLayout layout) {
        List<String> columns = new java.util.ArrayList<>();
        columns.add(layout.idColumn());
        if (layout.timeColumn() != null) {
            columns.add(layout.timeColumn());
        }
        columns.addAll(layout.featureColumns());
        return columns;
    }

    /** The layout's label or target columns. */
    static List<String> targetColumns(CsvLayout layout) {
        return layout.labelColumn() != null ? List.of(layout.labelColumn()) : layout.targetColumns();
    }

    /** The same inputs without the label or targets (for a CSV that lacks them). */
    static CsvLayout inputsOnly(CsvLayout layout) {
        CsvLayout bare = CsvLayout.id(layout.idColumn()).features(layout.featureColumns().toArray(String[]::new));
        return layout.timeColumn() == null ? bare : bare.time(layout.timeColumn());
    }

    static String[] split(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toArray(String[]::new);
    }
}
