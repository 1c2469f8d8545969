package dev.panamarnn.cli;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.examples.support.EmbeddedData;
import dev.panamarnn.examples.support.UserFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The long-layout CSV a sequence command reads: a file (gzip too; read through {@link UserFiles}), or an embedded data set named
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
            try (InputStream in = UserFiles.open(Path.of(name), "CSV file", UserFiles.MAX_CSV_BYTES)) {
                return SequenceDataset.csvHeader(in, name);
            }
        }
        try (InputStream in = resource()) {
            return SequenceDataset.csvHeader(in, name);
        }
    }

    SequenceDataset read(CsvLayout layout) throws IOException {
        if (!embedded()) {
            try (InputStream in = UserFiles.open(Path.of(name), "CSV file", UserFiles.MAX_CSV_BYTES)) {
                return SequenceDataset.fromCsv(in, name, layout);
            }
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
