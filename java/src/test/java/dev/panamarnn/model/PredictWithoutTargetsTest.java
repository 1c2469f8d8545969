package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.kernels.KernelsForTests;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A data set of inputs only (no targets): a model predicts it exactly as the labelled one, and refuses to evaluate or train on it. */
class PredictWithoutTargetsTest {

    @Test
    void predictsInputsOnlyAsTheLabelledDataAndRefusesTheRest() {
        SequenceDataset labelled = TrainerTest.signOfSum(40, 7);
        List<float[][]> inputs = new ArrayList<>();
        for (int i = 0; i < labelled.size(); i++) {
            inputs.add(labelled.inputs(i));
        }
        SequenceDataset bare = SequenceDataset.ofInputs(inputs);
        try (SequenceModel model = SequenceModel.forData(labelled).cell(CellType.GRU).hidden(8).seed(1)
                .kernels(KernelsForTests.java()).build();
             Trainer trainer = Trainer.builder(model).build()) {
            float[][] expected = model.predict(labelled);
            float[][] actual = model.predict(bare);
            for (int i = 0; i < expected.length; i++) {
                assertArrayEquals(expected[i], actual[i], "sequence " + i);
            }
            assertArrayEquals(model.predictClasses(labelled), model.predictClasses(bare));
            String evaluate = assertThrows(IllegalArgumentException.class, () -> model.evaluate(bare)).getMessage();
            assertTrue(evaluate.contains("has no targets"), evaluate);
            String fit = assertThrows(IllegalArgumentException.class, () -> trainer.fit(bare, Budget.steps(1))).getMessage();
            assertTrue(fit.contains("has no targets"), fit);
        }
        String build = assertThrows(IllegalArgumentException.class, () -> SequenceModel.forData(bare)).getMessage();
        assertTrue(build.contains("no targets"), build);
    }
}
