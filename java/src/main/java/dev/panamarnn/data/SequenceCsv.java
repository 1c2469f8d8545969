package dev.panamarnn.data;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * Reads the "long" CSV layout behind {@link SequenceDataset#fromCsv}: one row per time step, rows
 * grouped into sequences by an id column (in order of each id's first appearance; ids need not be
 * contiguous), sorted by an optional time column. Every content error is an {@link IOException}
 * naming the file, line and column. A layout with neither a label nor targets reads inputs only
 * ({@link SequenceDataset.Targets#NONE}). gzip-compressed text is read too. Memory is a constant factor of the file's size: nothing is
 * sized from a number read in the file. Not public API.
 */
final class SequenceCsv {
    /** One data row as read: its line, time (or file order), features (F), label or targets (K). */
    private record Row(int line, double time, float[] features, String label, float[] targets) {
    }

    private final String name;
    private final CsvLayout layout;
    private final String[] header;
    /** Each header name's first field and, for a name given twice, its second: one pass, so a wide header is not read once per column. */
    private final Map<String, Integer> firstAt = new HashMap<>();
    private final Map<String, Integer> secondAt = new HashMap<>();

    private SequenceCsv(String name, CsvLayout layout, String[] header) {
        this.name = name;
        this.layout = layout;
        this.header = header;
        for (int i = 0; i < header.length; i++) {
            if (firstAt.putIfAbsent(header[i], i) != null) {
                secondAt.putIfAbsent(header[i], i);
            }
        }
    }

    static SequenceDataset read(Path file, CsvLayout layout) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("CSV file " + file + " does not exist or is not a file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), layout);
        }
    }

    /** Reads from {@code in} (not closed), gzip-compressed or not; {@code name} is the file named in messages. */
    static SequenceDataset read(InputStream in, String name, CsvLayout layout) throws IOException {
        if (layout == null) {
            throw new IllegalArgumentException("the CSV layout is null");
        }
        BufferedReader reader = reader(in, name);
        String first = reader.readLine();
        if (first == null) {
            throw new IOException(name + " is empty: expected a header line with a '" + layout.idColumn() + "' column");
        }
        return new SequenceCsv(name, layout, header(first)).read(reader);
    }

    /** The header line's column names (quotes and surrounding spaces stripped). */
    static List<String> header(InputStream in, String name) throws IOException {
        String first = reader(in, name).readLine();
        if (first == null) {
            throw new IOException(name + " is empty: expected a header line");
        }
        return List.of(header(first));
    }

    private static String[] header(String line) {
        String[] header = TimeSeries.withoutBom(line).split(",", -1);
        for (int i = 0; i < header.length; i++) {
            header[i] = TimeSeries.clean(header[i]);
        }
        return header;
    }

    /** UTF-8 text of {@code in}, decompressed when it starts with the gzip magic bytes 1f 8b. */
    private static BufferedReader reader(InputStream in, String name) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in);
        buffered.mark(2);
        boolean gzip = buffered.read() == 0x1f && buffered.read() == 0x8b;
        buffered.reset();
        InputStream text = buffered;
        if (gzip) {
            try {
                text = new GZIPInputStream(buffered);
            } catch (IOException e) {          // a bad header (ZipException) or none at all (EOFException)
                throw new IOException(name + " starts as gzip but is not: " + e.getMessage(), e);
            }
        }
        // as TimeSeries: a malformed byte reads as U+FFFD and then fails as a number or stays in a name
        // a caller's bound on the text itself (the CLI's, naming the file its way) holds; else the text is bounded here
        InputStream bounded = !gzip && BoundedInput.bounds(in, SequenceDataset.MAX_CSV_BYTES) ? text
                : new BoundedInput(text, SequenceDataset.MAX_CSV_BYTES, name, gzip);
        return new BufferedReader(new InputStreamReader(bounded, StandardCharsets.UTF_8));
    }

    private SequenceDataset read(BufferedReader reader) throws IOException {
        int idAt = column(layout.idColumn(), "id");
        int timeAt = layout.timeColumn() == null ? -1 : column(layout.timeColumn(), "time");
        int labelAt = layout.labelColumn() == null ? -1 : column(layout.labelColumn(), "label");
        int[] targetAt = new int[layout.targetColumns().size()];
        for (int k = 0; k < targetAt.length; k++) {
            targetAt[k] = column(layout.targetColumns().get(k), "target");
        }
        int[] featureAt = featureColumns(idAt, timeAt, labelAt, targetAt);

        Map<String, List<Row>> sequences = new LinkedHashMap<>(); // id -> rows, in order of first appearance
        Map<String, String> labelNames = new HashMap<>();          // one String per distinct label
        String line;
        int lineNumber = 1;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (cells.length != header.length) {
                throw new IOException(name + " line " + lineNumber + ": expected " + header.length + " fields, got "
                        + cells.length);
            }
            String id = text(cells, idAt, lineNumber, "the sequence id");
            List<Row> rows = sequences.computeIfAbsent(id, k -> new ArrayList<>());
            double time = timeAt < 0 ? rows.size() : number(cells, timeAt, lineNumber);
            float[] features = new float[featureAt.length];    // (F)
            for (int f = 0; f < features.length; f++) {
                features[f] = finiteFloat(cells, featureAt[f], lineNumber);
            }
            String label = null;
            if (labelAt >= 0) {
                label = labelNames.computeIfAbsent(text(cells, labelAt, lineNumber, "the label"), k -> k);
            }
            float[] targets = new float[targetAt.length];     // (K)
            for (int k = 0; k < targets.length; k++) {
                targets[k] = finiteFloat(cells, targetAt[k], lineNumber);
            }
            rows.add(new Row(lineNumber, time, features, label, targets));
        }
        if (sequences.isEmpty()) {
            throw new IOException(name + " has a header but no data rows: a dataset needs at least one sequence");
        }
        for (Map.Entry<String, List<Row>> e : sequences.entrySet()) {
            prepare(e.getKey(), e.getValue(), timeAt, labelAt, targetAt);
        }
        return build(sequences, labelNames);
    }

    /**
     * A sequence id or label: the cell without its surrounding spaces and tabs and its quotes, not
     * empty and without control characters (an escape sequence in an id would reach every file and
     * terminal the id is written to, and trimming it away would silently change the id), so every
     * writer can write it as it is.
     */
    private String text(String[] cells, int at, int lineNumber, String what) throws IOException {
        String cell = cells[at];
        int from = 0, to = cell.length();
        while (from < to && (cell.charAt(from) == ' ' || cell.charAt(from) == '\t')) from++;
        while (to > from && (cell.charAt(to - 1) == ' ' || cell.charAt(to - 1) == '\t')) to--;
        String text = cell.substring(from, to).replace("\"", "");
        if (text.isEmpty()) {
            throw new IOException(name + " line " + lineNumber + ": column '" + header[at] + "' (" + what + ") is empty");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                throw new IOException(String.format(java.util.Locale.ROOT, "%s line %d: column '%s' (%s) has a control character (U+%04X) at "
                        + "character %d; ids and labels must be printable text", name, lineNumber, header[at], what, (int) c, i + 1));
            }
        }
        return text;
    }

    /** Sorts a sequence's rows by time and checks its per-sequence label or targets are constant. */
    private void prepare(String id, List<Row> rows, int timeAt, int labelAt, int[] targetAt) throws IOException {
        if (timeAt >= 0) {
            rows.sort(Comparator.comparingDouble(Row::time)); // stable
            for (int i = 1; i < rows.size(); i++) {
                if (rows.get(i).time() == rows.get(i - 1).time()) {
                    throw new IOException(name + " line " + rows.get(i).line() + ": column '" + header[timeAt]
                            + "': sequence '" + id + "' has two rows at time " + rows.get(i).time() + " (lines "
                            + rows.get(i - 1).line() + " and " + rows.get(i).line() + ")");
                }
            }
        }
        if (layout.perStep()) {
            return;
        }
        Row first = rows.getFirst();
        for (Row row : rows) {
            if (labelAt >= 0 && !row.label().equals(first.label())) {
                throw new IOException(name + " line " + row.line() + ": column '" + header[labelAt] + "': sequence '"
                        + id + "' has label '" + row.label() + "' here but '" + first.label() + "' on line "
                        + first.line() + "; labels are per sequence unless the layout says perStep(true)");
            }
            for (int k = 0; k < targetAt.length; k++) {
                if (row.targets()[k] != first.targets()[k]) {
                    throw new IOException(name + " line " + row.line() + ": column '" + header[targetAt[k]]
                            + "': sequence '" + id + "' has target " + row.targets()[k] + " here but "
                            + first.targets()[k] + " on line " + first.line()
                            + "; targets are per sequence unless the layout says perStep(true)");
                }
            }
        }
    }

    private SequenceDataset build(Map<String, List<Row>> sequences, Map<String, String> labelNames) {
        return targets(sequences, labelNames).withIds(List.copyOf(sequences.keySet()));
    }

    private SequenceDataset targets(Map<String, List<Row>> sequences, Map<String, String> labelNames) {
        List<float[][]> inputs = new ArrayList<>(sequences.size());   // (N) each (T_i, F)
        for (List<Row> rows : sequences.values()) {
            inputs.add(rows.stream().map(Row::features).toArray(float[][]::new));
        }
        boolean perStep = layout.perStep();
        if (layout.labelColumn() != null) {
            List<String> names = List.copyOf(new TreeSet<>(labelNames.keySet()));
            Map<String, Integer> ids = new HashMap<>();
            for (int c = 0; c < names.size(); c++) {
                ids.put(names.get(c), c);
            }
            if (perStep) {
                List<int[]> labels = new ArrayList<>(sequences.size()); // (N) each (T_i)
                for (List<Row> rows : sequences.values()) {
                    labels.add(rows.stream().mapToInt(r -> ids.get(r.label())).toArray());
                }
                return SequenceDataset.ofStepLabels(inputs, labels, names.size()).withClassNames(names);
            }
            int[] labels = sequences.values().stream().mapToInt(rows -> ids.get(rows.getFirst().label())).toArray(); // (N)
            return SequenceDataset.ofSequences(inputs, labels, names.size()).withClassNames(names);
        }
        if (layout.targetColumns().isEmpty()) {
            return SequenceDataset.ofInputs(inputs);
        }
        if (perStep) {
            List<float[][]> targets = new ArrayList<>(sequences.size()); // (N) each (T_i, K)
            for (List<Row> rows : sequences.values()) {
                targets.add(rows.stream().map(Row::targets).toArray(float[][]::new));
            }
            return SequenceDataset.ofStepTargets(inputs, targets);
        }
        float[][] targets = sequences.values().stream().map(rows -> rows.getFirst().targets()).toArray(float[][]::new); // (N, K)
        return SequenceDataset.ofSequences(inputs, targets);
    }

    /** The index of the header column {@code column}, which must appear exactly once. */
    private int column(String column, String role) throws IOException {
        Integer first = firstAt.get(column), second = secondAt.get(column);
        if (second != null) {
            throw new IOException(name + " line 1: column '" + column + "' (the " + role
                    + " column) appears twice in the header, as fields " + (first + 1) + " and " + (second + 1));
        }
        int at = first == null ? -1 : first;
        if (at < 0) {
            throw new IOException(name + " line 1: no column '" + column + "' (the " + role + " column); columns are "
                    + String.join(", ", header));
        }
        return at;
    }

    private int[] featureColumns(int idAt, int timeAt, int labelAt, int[] targetAt) throws IOException {
        List<String> named = layout.featureColumns();
        if (!named.isEmpty()) {
            int[] at = new int[named.size()];
            for (int f = 0; f < at.length; f++) {
                at[f] = column(named.get(f), "feature");
            }
            return at;
        }
        List<Integer> rest = new ArrayList<>();
        outer:
        for (int i = 0; i < header.length; i++) {
            if (i == idAt || i == timeAt || i == labelAt) {
                continue;
            }
            for (int t : targetAt) {
                if (i == t) {
                    continue outer;
                }
            }
            rest.add(i);
        }
        if (rest.isEmpty()) {
            throw new IOException(name + " line 1: no feature columns: every column (" + String.join(", ", header)
                    + ") is the id, time, label or a target");
        }
        return rest.stream().mapToInt(Integer::intValue).toArray();
    }

    private double number(String[] cells, int at, int line) throws IOException {
        return TimeSeries.number(cells[at], name, line, header[at]);
    }

    private float finiteFloat(String[] cells, int at, int line) throws IOException {
        float v = (float) number(cells, at, line);
        if (!Float.isFinite(v)) {
            throw new IOException(name + " line " + line + ": column '" + header[at] + "' is outside the float range: '"
                    + cells[at] + "'");
        }
        return v;
    }
}
