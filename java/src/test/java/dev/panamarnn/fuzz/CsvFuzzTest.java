package dev.panamarnn.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.panamarnn.data.TimeSeries;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Fuzzes {@link TimeSeries#readCsv} with the bytes of a CSV file (value column "value", with a
 * "time" column if there is one). Property: the file loads as a series of at least 2 rows, every
 * time and value finite, or is refused with the documented {@link IOException}; anything else is
 * a finding. Seeds: CsvFuzzTestInputs/fuzz/ (docs/fuzzing.md).
 */
class CsvFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void fuzz(byte[] file) {
        TimeSeries series;
        try {
            series = TimeSeries.readCsv(new ByteArrayInputStream(file), "fuzz.csv", "value");
        } catch (IOException documented) {
            return;
        }
        assertTrue(series.length() >= 2, "a series has at least 2 rows");
        assertEquals(series.values().length, series.time().length);
        for (int i = 0; i < series.length(); i++) {
            assertTrue(Double.isFinite(series.values()[i]) && Double.isFinite(series.time()[i]), "row " + i + " is finite");
        }
    }
}
