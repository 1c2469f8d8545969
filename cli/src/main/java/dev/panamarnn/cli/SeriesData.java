package dev.panamarnn.cli;

import dev.panamarnn.data.TimeSeries;
import dev.panamarnn.examples.support.EmbeddedData;
import java.io.IOException;
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
    static TimeSeries embedded(String fileName) throws IOException {
        return EmbeddedData.series(fileName);
    }
}
