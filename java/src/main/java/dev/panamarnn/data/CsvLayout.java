package dev.panamarnn.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which columns of a "long" CSV file (one row per time step) {@link SequenceDataset#fromCsv} reads:
 * built fluently, e.g. {@code CsvLayout.id("patient").time("hour").features("hr", "bp").label("outcome")}
 * or {@code CsvLayout.id("station").targets("load").perStep(true)}.
 *
 * @param idColumn       the sequence-id column (any string; rows of one id form one sequence)
 * @param timeColumn     a numeric column the rows of a sequence are sorted by, or null for file order
 * @param featureColumns the feature columns in order; empty means every column that is not the
 *                       id, time, label or a target column
 * @param labelColumn    a class-label column (strings), or null
 * @param targetColumns  numeric regression-target columns, or empty; with neither a label nor
 *                       targets the data set holds inputs only, for prediction
 *                       ({@link SequenceDataset.Targets#NONE})
 * @param perStep        false: the label or targets are per sequence and must be equal on every row
 *                       of a sequence; true: they are read at every step
 */
public record CsvLayout(String idColumn, String timeColumn, List<String> featureColumns, String labelColumn,
                        List<String> targetColumns, boolean perStep) {

    /**
     * @throws IllegalArgumentException if the id column is missing, a name is blank, both a label
     *         and target columns are given, or one name has two roles
     */
    public CsvLayout {
        featureColumns = featureColumns == null ? List.of() : List.copyOf(featureColumns);
        targetColumns = targetColumns == null ? List.of() : List.copyOf(targetColumns);
        if (labelColumn != null && !targetColumns.isEmpty()) {
            throw new IllegalArgumentException("a CSV layout has a label column or target columns, not both: label '"
                    + labelColumn + "', targets " + targetColumns);
        }
        List<String> named = new ArrayList<>();
        named.add(idColumn);
        if (timeColumn != null) named.add(timeColumn);
        named.addAll(featureColumns);
        if (labelColumn != null) named.add(labelColumn);
        named.addAll(targetColumns);
        Set<String> seen = new HashSet<>();
        for (String name : named) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a CSV layout column name is null or blank (id column '"
                        + idColumn + "')");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException("column '" + name + "' has two roles in the CSV layout");
            }
        }
    }

    /** A layout whose sequences are identified by {@code column}; add a label or targets to train. */
    public static CsvLayout id(String column) {
        return new CsvLayout(column, null, List.of(), null, List.of(), false);
    }

    /** Sorts each sequence's rows by this numeric column (otherwise they keep file order). */
    public CsvLayout time(String column) {
        return new CsvLayout(idColumn, column, featureColumns, labelColumn, targetColumns, perStep);
    }

    /** Reads exactly these feature columns, in this order (none: every remaining column). */
    public CsvLayout features(String... columns) {
        return new CsvLayout(idColumn, timeColumn, List.of(columns), labelColumn, targetColumns, perStep);
    }

    /** Class labels (strings) from this column; class ids are the sorted distinct labels. */
    public CsvLayout label(String column) {
        return new CsvLayout(idColumn, timeColumn, featureColumns, column, targetColumns, perStep);
    }

    /** Numeric regression targets from these columns, K = columns.length. */
    public CsvLayout targets(String... columns) {
        return new CsvLayout(idColumn, timeColumn, featureColumns, labelColumn, List.of(columns), perStep);
    }

    /** Whether the label or targets are read at every step (true) or once per sequence (false). */
    public CsvLayout perStep(boolean perStep) {
        return new CsvLayout(idColumn, timeColumn, featureColumns, labelColumn, targetColumns, perStep);
    }
}
