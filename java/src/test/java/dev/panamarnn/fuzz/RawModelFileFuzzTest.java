package dev.panamarnn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.SafeTensors;

/**
 * Fuzzes the model-file reader with the bytes of a whole file as they would be on disk, the
 * 8-byte header length included: {@link SafeTensors#read} (length field, header JSON, dtypes,
 * shapes, offsets, metadata), then {@link ModelFile#load} on top of it (architecture metadata,
 * parameter names, shapes, finiteness). The property: {@link ModelFileProperty}.
 * Seeds: RawModelFileFuzzTestInputs/fuzz/ (docs/fuzzing.md).
 */
class RawModelFileFuzzTest {
    private static final ScratchFile INPUT = new ScratchFile(".safetensors");

    @FuzzTest(maxDuration = "30s")
    void fuzz(byte[] file) throws Exception {
        ModelFileProperty.check(INPUT.write(file));
    }
}
