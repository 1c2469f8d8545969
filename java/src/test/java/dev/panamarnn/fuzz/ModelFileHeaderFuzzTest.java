package dev.panamarnn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Fuzzes the model-file reader as {@link RawModelFileFuzzTest} does, but frames the file itself
 * so the fuzzer spends its time inside the header JSON and its schema rather than on the length
 * field: the input is {@code header NUL data} (or only a header when it has no NUL byte), and the
 * file is the 8-byte little-endian header length, the header, the data. Strict JSON has no raw NUL
 * byte, so the split loses no header the reader could accept. The property:
 * {@link ModelFileProperty}. Seeds: ModelFileHeaderFuzzTestInputs/fuzz/ (docs/fuzzing.md).
 */
class ModelFileHeaderFuzzTest {
    private static final ScratchFile INPUT = new ScratchFile(".safetensors");

    @FuzzTest(maxDuration = "30s")
    void fuzz(byte[] input) throws Exception {
        ModelFileProperty.check(INPUT.write(frame(input)));
    }

    /** {@code header NUL data} -> 8-byte little-endian header length, header, data. */
    static byte[] frame(byte[] input) {
        int nul = 0;
        while (nul < input.length && input[nul] != 0) {
            nul++;
        }
        int dataStart = Math.min(nul + 1, input.length);
        ByteBuffer file = ByteBuffer.allocate(8 + nul + input.length - dataStart).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(nul).put(input, 0, nul).put(input, dataStart, input.length - dataStart);
        return file.array();
    }
}
