package dev.panamarnn.cli;

import dev.panamarnn.data.TimeSeries;
import dev.panamarnn.examples.support.EmbeddedData;
import dev.panamarnn.examples.support.UserFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The series a command works on: a CSV file's column, or one of the embedded real series
 * (data/README.md has their provenance): monthly sunspot numbers, airline passengers, Mauna Loa CO2.
 */
public final class SeriesData {
    static final String EMBEDDED = "embedded:sunspot_month.csv";
    private static final String EMBEDDED_PREFIX = "embedded:";

    private SeriesData() {}

    private static final List<String> EMBEDDED_SERIES = List.of("sunspot_month.csv", "air_passengers.csv", "co2_mauna_loa.csv");

    /** A CSV file's column, or with {@code source} null or "embedded:NAME" one of the embedded series. */
    static TimeSeries read(String source, String column) throws IOException {
        if (source == null || source.startsWith(EMBEDDED_PREFIX)) {
            String name = source == null ? "sunspot_month.csv" : source.substring(EMBEDDED_PREFIX.length());
            if (!EMBEDDED_SERIES.contains(name)) {
                throw new IllegalArgumentException("no embedded series has that name (" + name.length() + " characters); embedded are "
                        + String.join(", ", EMBEDDED_SERIES));
            }
            return embedded(name);
        }
        try (InputStream in = UserFiles.open(Path.of(source), "CSV file", UserFiles.MAX_CSV_BYTES)) {
            return inFloatRange(TimeSeries.readCsv(in, source, column));
        }
    }

    /**
     * The series, if every value is within float32's range, in which the network computes (1e308 is a
     * finite double but not a float); else an error naming the file, the value's position and the value.
     */
    static TimeSeries inFloatRange(TimeSeries series) {
        double[] values = series.values();
        for (int i = 0; i < values.length; i++) {
            if (Math.abs(values[i]) > Float.MAX_VALUE) {
                throw new IllegalArgumentException(series.name() + ": value " + (i + 1) + " of the series is "
                        + values[i] + ", beyond the float range (+-3.4E38) the network computes in");
            }
        }
        return series;
    }

    /**
     * What a series model file says about its data (metadata "series.*"): the season length, the
     * held-out tail's length, the column, and the embedded series' name when it was trained on one.
     * A CSV file is not named: a model file never chooses a file to read.
     */
    static Map<String, String> metadata(String csv, String column, int holdout, int period) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("series.period", Integer.toString(period));
        m.put("series.holdout", Integer.toString(holdout));
        m.put("series.column", column);
        if (csv == null || csv.startsWith(EMBEDDED_PREFIX)) {
            m.put("series.embedded", csv == null ? EMBEDDED : csv);
        }
        return m;
    }

    /** The embedded series {@code data/<fileName>} (columns {@code time}, {@code value}). */
    static TimeSeries embedded(String fileName) throws IOException {
        return EmbeddedData.series(fileName);
    }
}
