package dev.panamarnn.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.SequenceModelFile;

/**
 * Fuzzes the sequence-model reader ({@link SequenceModelFile#load}) with the bytes of a whole
 * file: safetensors framing, the "rnn." and "model." metadata, the earlier char-lm and
 * series-forecaster kinds, tensor names, shapes and values (the normalisation and target
 * normalisation tensors included). Property: the file loads as a model
 * whose parameter slab holds exactly the layout its spec implies, or it is refused with a
 * {@link ModelFileException}; any other exception, a crash or a hang is a finding. Seeds:
 * SequenceModelFileFuzzTestInputs/fuzz/ (the PyTorch-exported fixtures, the earlier kinds, and a
 * per-step regressor with target normalisation saved by SequenceModel).
 */
class SequenceModelFileFuzzTest {
    private static final ScratchFile INPUT = new ScratchFile(".safetensors");
    private static final Kernels KERNELS = KernelSelection.java();

    @FuzzTest(maxDuration = "20s")
    void fuzz(byte[] file) {
        try (SequenceModel model = SequenceModelFile.load(INPUT.write(file), KERNELS)) {
            assertEquals(SequenceModel.layout(model.spec()).byteSize(), model.parameters().layout().byteSize());
        } catch (ModelFileException documented) {
            // refused with a message naming the file and the problem
        }
    }
}
