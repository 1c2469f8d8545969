package dev.panamarnn.bench.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ONNX Runtime peer runner at a toy size, in seconds: every row runs and agrees; no timing is asserted. */
class OrtServingPeerTest {
    @Test
    void everyRowRunsAndBothComputeTheSameNumbers() throws Exception {
        OrtServingPeer.Options options = OrtServingPeer.Options.parse("cells=LSTM,GRU", "sizes=8", "T=5", "B=3", "streams=1,4",
                "rounds=2", "seconds=0.01", "inferThreads=1", "streamThreads=1", "ortThreads=1", "stepBlock=2");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<OrtServingPeer.Row> rows = OrtServingPeer.run(options, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String printed = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(printed);
        assertEquals(2 * (1 + 1 + 2), rows.size(), printed);
        for (OrtServingPeer.Row r : rows) {
            assertTrue(r.maxAbsDiff() <= 1e-5, r + " differs from ONNX Runtime");
            assertTrue(r.oursTime() > 0 && r.ortTimes().length == 1 && r.ortTimes()[0] > 0, r.toString());
        }
        assertTrue(printed.contains("| lstm | 8 | streams | N=4 |"), printed);
        assertTrue(printed.contains("onnxruntime"), printed);
    }
}
