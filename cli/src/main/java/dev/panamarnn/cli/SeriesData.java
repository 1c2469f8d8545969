package dev.panamarnn.cli;

import dev.panamarnn.data.TimeSeries;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * The series a command works on: a CSV file's column, or one of the embedded real series
 * (data/README.md has their provenance): monthly sunspot numbers, airline passengers, Mauna Loa CO2.
 */
public final class SeriesData {
    static final String EMBEDDED = "embedded:sunspot_month.csv";
    private static final String EMBEDDED_PREFIX = "embedded:";

    private SeriesData() {}

    static TimeSeries read(String source, String column) throws IOException {
        if (source == null || source.startsWith(EMBEDDED_PREFIX)) {
            return embedded(source == null ? "sunspot_month.csv" : source.substring(EMBEDDED_PREFIX.length()));
        }
        return TimeSeries.readCsv(Path.of(source), column);
    }

    /** The embedded series {@code data/<fileName>} (columns {@code time}, {@code value}). */
    public static TimeSeries embedded(String fileName) throws IOException {
        try (InputStream in = SeriesData.class.getResourceAsStream("/data/" + fileName)) {
            if (in == null) {
                throw new IOException("the embedded series data/" + fileName + " is missing from the jar"
                        + " (embedded: sunspot_month.csv, air_passengers.csv, co2_mauna_loa.csv)");
            }
            return TimeSeries.readCsv(in, EMBEDDED_PREFIX + fileName, "value");
        }
    }
}
