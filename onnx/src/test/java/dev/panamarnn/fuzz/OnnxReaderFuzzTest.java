package dev.panamarnn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.panamarnn.Rnn;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.SequenceModelFile;
import dev.panamarnn.onnx.OnnxImport;
import java.nio.file.Path;

/**
 * Fuzzes the ONNX reader ({@link OnnxImport#read(Path, byte[])}) with the bytes of a whole .onnx
 * file: the protobuf framing, tensors (dims, data types, raw and typed data, external data),
 * attributes, the graph's glue and recurrent nodes, and then the library's loaders on what it
 * accepted. Property: the bytes import as an Rnn or a SequenceModel, or are refused with a
 * {@link ModelFileException}; any other exception, a crash, an out-of-memory or a hang is a
 * finding. Seeds: OnnxReaderFuzzTestInputs/fuzz/ (small graphs of onnx/src/test/resources/torch).
 */
class OnnxReaderFuzzTest {
    private static final Path NAME = Path.of("fuzz.onnx");
    private static final Kernels KERNELS = KernelSelection.java();

    @FuzzTest(maxDuration = "30s")
    void fuzz(byte[] bytes) {
        try {
            OnnxImport.Imported imported = OnnxImport.read(NAME, bytes);
            try (SafeTensorsFile f = imported.toFile()) {
                if (imported.kind() == OnnxImport.Kind.RNN) {
                    try (Rnn rnn = ModelFile.load(f, "", KERNELS)) {
                        rnn.config();
                    }
                } else {
                    try (SequenceModel model = SequenceModelFile.load(f, KERNELS)) {
                        model.spec();
                    }
                }
            }
        } catch (ModelFileException documented) {
            // refused with a one-line message naming the file and the problem
        }
    }
}
