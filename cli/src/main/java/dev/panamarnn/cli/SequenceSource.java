package dev.panamarnn.cli;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.examples.support.EmbeddedData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The long-layout CSV a sequence command reads: a file (gzip too), or an embedded data set named
 * {@code embedded:<file>} (data/README.md has the provenance). The default is the embedded
 * handwritten digits, whose columns {@link #DIGITS_ID}, {@link #DIGITS_TIME} and {@link #DIGITS_LABEL}
 * are the default layout when no --csv is given.
 */
record SequenceSource(String name) {
    static final String DIGITS = "embedded:digits.csv.gz";
    static final String DIGITS_ID = "image";
    static final String DIGITS_TIME = "row";
    static final String DIGITS_LABEL = "digit";
    private static final String EMBEDDED = "embedded:";

    /** {@code csv} or, when it is null, the embedded digits. */
    static SequenceSource of(String csv) {
        return new SequenceSource(csv == null ? DIGITS : csv);
    }

    boolean embedded() {
        return name.startsWith(EMBEDDED);
    }

    /** The header's column names. */
    List<String> header() throws IOException {
        if (!embedded()) {
            return SequenceDataset.csvHeader(Path.of(name));
        }
        try (InputStream in = resource()) {
            return SequenceDataset.csvHeader(in, name);
        }
    }

    SequenceDataset read(CsvLayout layout) throws IOException {
        if (!embedded()) {
            return SequenceDataset.fromCsv(Path.of(name), layout);
        }
        try (InputStream in = resource()) {
            return SequenceDataset.fromCsv(in, name, layout);
        }
    }

    private InputStream resource() throws IOException {
        String file = name.substring(EMBEDDED.length());
        return EmbeddedData.open(file);
    }
}
