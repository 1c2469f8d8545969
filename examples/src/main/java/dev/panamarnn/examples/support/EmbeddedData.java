package dev.panamarnn.examples.support;

import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.data.TimeSeries;
import java.io.IOException;
import java.io.InputStream;

/**
 * The data shipped in this jar under {@code data/} (data/README.md has the provenance): the real
 * series (sunspot_month.csv, air_passengers.csv, co2_mauna_loa.csv), the King James Bible
 * (kjv.txt.gz) and the handwritten digits (digits.csv.gz). The lab reads them here; the CLI's
 * defaults are the same files.
 */
public final class EmbeddedData {
    private static final String FILES = "sunspot_month.csv, air_passengers.csv, co2_mauna_loa.csv, kjv.txt.gz, digits.csv.gz";

    private EmbeddedData() {}

    /** The file {@code data/<fileName>}, to be closed by the caller. */
    public static InputStream open(String fileName) throws IOException {
        InputStream in = EmbeddedData.class.getResourceAsStream("/data/" + fileName);
        if (in == null) {
            throw new IOException("the embedded file data/" + fileName + " is missing from the jar (embedded: " + FILES + ")");
        }
        return in;
    }

    /** The embedded series {@code data/<fileName>} (columns {@code time}, {@code value}). */
    public static TimeSeries series(String fileName) throws IOException {
        try (InputStream in = open(fileName)) {
            return TimeSeries.readCsv(in, "embedded:" + fileName, "value");
        }
    }

    /** The embedded corpus, the King James Bible (data/kjv.txt.gz), as text. */
    public static String kjv() throws IOException {
        try (InputStream in = open("kjv.txt.gz")) {
            return TextCorpus.readText(in, true, "kjv.txt.gz");
        }
    }
}
