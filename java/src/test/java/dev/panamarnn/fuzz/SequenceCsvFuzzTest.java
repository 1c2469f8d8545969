package dev.panamarnn.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.data.SequenceDataset;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Fuzzes {@link SequenceDataset#fromCsv} (the long layout: id, time, features, label) with the
 * bytes of a CSV file, gzip included. Property: the data set has at least one sequence, every
 * sequence at least one step, finite features and labels in [0, C), and batches over it cover
 * every sequence; or the file is refused with the documented {@link IOException}. Seeds:
 * SequenceCsvFuzzTestInputs/fuzz/.
 */
class SequenceCsvFuzzTest {
    private static final CsvLayout LAYOUT = CsvLayout.id("id").time("t").label("y");

    @FuzzTest(maxDuration = "20s")
    void fuzz(byte[] file) {
        SequenceDataset data;
        try {
            data = SequenceDataset.fromCsv(new ByteArrayInputStream(file), "fuzz.csv", LAYOUT);
        } catch (IOException documented) {
            return;
        }
        assertTrue(data.size() >= 1, "a data set has a sequence");
        int covered = 0;
        for (SequenceBatch b : data.batches(4, false, true, 0)) {
            covered += b.batch();
            for (float v : b.features()) {
                assertTrue(Float.isFinite(v), "features are finite");
            }
            for (int label : b.labels()) {
                assertTrue(label >= 0 && label < data.classes(), "labels are class ids");
            }
        }
        assertTrue(covered == data.size(), "batches cover every sequence");
    }
}
