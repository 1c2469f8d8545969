package dev.panamarnn.cli;

import dev.panamarnn.data.TimeSeries;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** The series a command works on: a CSV file's column, or the embedded monthly sunspot numbers. */
final class SeriesData {
    static final String EMBEDDED = "embedded:sunspot_month.csv";

    private SeriesData() {}

    static TimeSeries read(String source, String column) throws IOException {
        if (source == null || source.equals(EMBEDDED)) {
            try (InputStream in = SeriesData.class.getResourceAsStream("/data/sunspot_month.csv")) {
                if (in == null) {
                    throw new IOException("the embedded series data/sunspot_month.csv is missing from the jar");
                }
                return TimeSeries.readCsv(in, EMBEDDED, "value");
            }
        }
        return TimeSeries.readCsv(Path.of(source), column);
    }
}
