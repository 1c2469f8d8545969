package dev.panamarnn.onnx;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A model exported by OnnxExport loads back through SequenceModel.load(".onnx") with the same spec and the same predictions, bit for bit. */
class OnnxRoundTripTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(CellType.class)
    void exportedModelsLoadBackWithTheSamePredictions(CellType cell) throws Exception {
        List<SequenceModel.Builder> builders = List.of(
                SequenceModel.builder().features(3).normalise(new float[] {0.5f, -1f, 2f}, new float[] {2f, 0.5f, 3f}).regress(2)
                        .normaliseTargets(new float[] {10f, -3f}, new float[] {4f, 0.25f}).output(OutputMode.PER_STEP).layers(2),
                SequenceModel.builder().features(3).classify(4).classNames(List.of("a", "b", "c", "d")).bidirectional(true).headHidden(5),
                SequenceModel.builder().tokens(7, 4).languageModel().layers(2));
        int i = 0;
        for (SequenceModel.Builder b : builders) {
            Path file = dir.resolve(cell.id() + "-" + i++ + ".onnx");
            try (SequenceModel model = b.cell(cell).hidden(5).seed(21).build()) {
                OnnxExport.write(model, file);
                SequenceDataset data = data(model);
                try (SequenceModel back = SequenceModel.load(file)) {
                    assertEquals(model.spec(), back.spec(), file.getFileName().toString());
                    float[][] expected = model.predict(data), actual = back.predict(data);
                    for (int s = 0; s < expected.length; s++) {
                        assertArrayEquals(expected[s], actual[s], file.getFileName() + " sequence " + s);
                    }
                }
            }
        }
    }

    private static SequenceDataset data(SequenceModel model) {
        SplittableRandom random = new SplittableRandom(5);
        int[] lengths = {4, 6, 1};
        if (model.spec().tokens()) {
            List<int[]> seqs = new ArrayList<>();
            for (int n : lengths) {
                seqs.add(random.ints(n, 0, model.spec().vocabulary()).toArray());
            }
            return SequenceDataset.ofTokens(seqs, model.spec().vocabulary(), new int[lengths.length], 2);
        }
        List<float[][]> seqs = new ArrayList<>();
        for (int n : lengths) {
            float[][] x = new float[n][model.spec().features()];
            for (float[] row : x) {
                for (int f = 0; f < row.length; f++) {
                    row[f] = (float) random.nextGaussian();
                }
            }
            seqs.add(x);
        }
        return SequenceDataset.ofInputs(seqs);
    }
}
