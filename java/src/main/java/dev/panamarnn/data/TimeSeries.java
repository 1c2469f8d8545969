package dev.panamarnn.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A univariate time series read from CSV (a header line, then one row per observation), with the
 * normalisation (mean, standard deviation of the training part) a model is trained on.
 *
 * <p>The CSV dialect: UTF-8 (a malformed byte reads as U+FFFD and then fails as a number), lines
 * ended by LF, CR or CRLF, fields split at every comma (no quoted commas), double quotes and
 * surrounding spaces removed from names and numbers, blank lines skipped. Every row has as many
 * fields as the header; numbers are Java decimal (or hexadecimal) floating-point literals and
 * must be finite.
 */
public record TimeSeries(String name, double[] time, double[] values) {

    /**
     * Reads column {@code valueColumn} (and {@code time} if present; otherwise the row index is the
     * time) from a CSV file.
     * @throws IOException if the file does not exist or cannot be read, or for any bad content: no
     *         header line, no such column, a row with another number of fields, a value that is not
     *         a finite number, fewer than 2 data rows (the message names the file, line and column)
     */
    public static TimeSeries readCsv(Path file, String valueColumn) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("CSV file " + file + " does not exist or is not a file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return readCsv(in, file.toString(), valueColumn);
        }
    }

    /**
     * Reads a CSV stream as {@link #readCsv(Path, String)} does; {@code name} names it in messages.
     * The stream is read to its end or to the first bad line, and is not closed; more than
     * {@link SequenceDataset#MAX_CSV_BYTES} bytes is an IOException.
     * @throws IOException if reading fails or for any bad content, as {@link #readCsv(Path, String)}
     */
    public static TimeSeries readCsv(InputStream in, String name, String valueColumn) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(BoundedInput.atMost(in, SequenceDataset.MAX_CSV_BYTES, name),
                StandardCharsets.UTF_8));
        String header = reader.readLine();
        if (header == null) {
            throw new IOException(name + " is empty: expected a header line with a '" + valueColumn + "' column");
        }
        String[] columns = withoutBom(header).split(",", -1);
        int valueAt = -1, timeAt = -1;
        for (int i = 0; i < columns.length; i++) {
            String c = clean(columns[i]);
            if (c.equals(valueColumn) && valueAt >= 0) {
                throw new IOException(name + ": column '" + valueColumn + "' appears twice in the header, as fields " + (valueAt + 1)
                        + " and " + (i + 1));
            }
            if (c.equals(valueColumn)) valueAt = i;
            if (c.equals("time")) timeAt = i;
        }
        if (valueAt < 0) {
            throw new IOException(name + " has no column '" + valueColumn + "'; columns are " + String.join(", ", columns));
        }
        List<double[]> rows = new ArrayList<>();
        String line;
        int lineNumber = 1;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (cells.length != columns.length) {
                throw new IOException(name + " line " + lineNumber + ": expected " + columns.length + " fields, got " + cells.length);
            }
            double value = number(cells[valueAt], name, lineNumber, valueColumn);
            double time = timeAt >= 0 ? number(cells[timeAt], name, lineNumber, "time") : rows.size();
            rows.add(new double[] {time, value});
        }
        if (rows.size() < 2) {
            throw new IOException(name + " has " + rows.size() + " data rows; a series needs at least 2");
        }
        double[] t = new double[rows.size()], v = new double[rows.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = rows.get(i)[0];
            v[i] = rows.get(i)[1];
        }
        return new TimeSeries(name, t, v);
    }

    /** A CSV field with its double quotes and surrounding spaces removed (shared with {@link SequenceCsv}). */
    /** A header line without the byte order mark that some editors put first in a UTF-8 file. */
    static String withoutBom(String line) {
        return line.startsWith("\uFEFF") ? line.substring(1) : line;
    }

    static String clean(String cell) {
        return cell.trim().replace("\"", "");
    }

    /** A finite number from a CSV field; the message names the file, line and column. */
    static double number(String cell, String name, int line, String column) throws IOException {
        try {
            double v = Double.parseDouble(clean(cell));
            if (!Double.isFinite(v)) {
                throw new NumberFormatException("not finite");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IOException(name + " line " + line + ": column '" + column + "' is not a finite number: '" + cell + "'");
        }
    }

    public int length() {
        return values.length;
    }
}
