package dev.panamarnn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;

/**
 * Fuzzes the training-checkpoint reader ({@link Trainer#resume}) with the bytes of a whole file:
 * the model's own tensors and metadata, the optimizer state ("optimizer.*"), the trainer's position
 * ("train.*" metadata) and the state carried between truncated-BPTT windows ("train.state.h/c").
 * Property: the checkpoint is refused with a {@link ModelFileException}, or it resumes and the next
 * step trains, or that step refuses a position past this data with an IllegalArgumentException;
 * any other exception, a crash or a hang is a finding. Seeds: TrainingCheckpointFuzzTestInputs/fuzz/
 * (checkpoints of {@link #trainer} between two windows and at the end of an epoch).
 */
class TrainingCheckpointFuzzTest {
    private static final ScratchFile INPUT = new ScratchFile(".safetensors");
    static final SequenceDataset STREAMS = SequenceDataset.languageModelStreams(new int[] {0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 2, 4, 1, 3, 0, 1},
            5, 2);                                           // two streams of 8 steps: two windows of 4

    static SequenceModel model() {
        return SequenceModel.builder().tokens(5, 3).languageModel().cell(CellType.LSTM).hidden(4).seed(1)
                .kernels(KernelSelection.java()).build();
    }

    static Trainer trainer(SequenceModel model) {
        return Trainer.builder(model).adam(1e-2).batchSize(2).truncatedBptt(4).build();
    }

    @FuzzTest(maxDuration = "20s")
    void fuzz(byte[] file) {
        try (SequenceModel model = model(); Trainer trainer = trainer(model)) {
            try {
                trainer.resume(INPUT.write(file));
            } catch (ModelFileException documented) {
                return;                                      // refused with a message naming the file and the problem
            }
            try {
                trainer.fit(STREAMS, Budget.steps(1));
            } catch (IllegalArgumentException documented) {
                if (!documented.getMessage().contains("resume with the data")) {
                    throw documented;
                }
            }
        }
    }
}
