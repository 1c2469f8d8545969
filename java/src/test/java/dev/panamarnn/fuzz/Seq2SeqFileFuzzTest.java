package dev.panamarnn.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.seq2seq.Seq2Seq;
import dev.panamarnn.seq2seq.Seq2SeqDecoder;
import dev.panamarnn.seq2seq.Seq2SeqFile;

/**
 * Fuzzes the seq2seq model reader ({@link Seq2SeqFile#load}) with the bytes of a whole file:
 * safetensors framing, the "encoder." and "seq2seq." metadata, tensor names, shapes and values.
 * Property: the file loads as a model whose parameter slab holds exactly the layout its config
 * implies, and that model decodes a one-token source; or it is refused with a
 * {@link ModelFileException}. Anything else is a finding. Seeds: Seq2SeqFileFuzzTestInputs/fuzz/
 * (three small models saved by Seq2SeqFile, SeedCorpusTest).
 */
class Seq2SeqFileFuzzTest {
    private static final ScratchFile INPUT = new ScratchFile(".safetensors");
    private static final Kernels KERNELS = KernelSelection.java();

    @FuzzTest(maxDuration = "20s")
    void fuzz(byte[] file) {
        try (Seq2Seq model = Seq2SeqFile.load(INPUT.write(file), KERNELS); Seq2SeqDecoder decoder = model.decoder(1, 1)) {
            assertEquals(Seq2Seq.layout(model.config()).byteSize(), model.parameters().layout().byteSize());
            decoder.greedy(new int[] {0}, 3);
        } catch (ModelFileException documented) {
            // refused with a message naming the file and the problem
        }
    }
}
