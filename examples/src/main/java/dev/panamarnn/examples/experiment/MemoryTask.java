package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.util.SplittableRandom;

/**
 * One of the two memory tasks as the trainer sees it: sequences of {@link #steps()} steps with
 * {@link #inputs()} channels, scored at the last {@link #scoredSteps()} steps through a head with
 * {@link #outputs()} values — regression of one value for the adding problem, K-way
 * classification at each of the S recall steps for the copy task.
 *
 * @param copy the copy task, or null for the adding problem with {@code steps} steps
 */
public record MemoryTask(String name, int steps, CopyTask copy) {

    public static MemoryTask adding(int steps) {
        return new MemoryTask("adding", steps, null);
    }

    public static MemoryTask copy(CopyTask task) {
        return new MemoryTask("copy", task.steps(), task);
    }

    /**
     * The task's model: one recurrent layer (I -> H) and a linear head (H -> O), initialised as
     * PyTorch does from {@code seed} — per-sequence regression of the sum (adding), per-step
     * classification of the symbols (copy; {@link CopyTaskPass} scores only the recall steps).
     */
    public SequenceModel model(CellType cell, int hidden, long seed) {
        SequenceModel.Builder b = SequenceModel.builder().features(inputs()).cell(cell).hidden(hidden).seed(seed);
        return (copy == null ? b.regress(1).output(OutputMode.SEQUENCE) : b.classify(outputs()).output(OutputMode.PER_STEP)).build();
    }

    public boolean isClassification() {
        return copy != null;
    }

    public int inputs() {
        return copy == null ? AddingProblem.INPUTS : copy.inputs();
    }

    public int outputs() {
        return copy == null ? 1 : copy.alphabet();
    }

    /** Steps at the end of the sequence that are scored: 1 (adding) or S (copy). */
    public int scoredSteps() {
        return copy == null ? 1 : copy.symbols();
    }

    /** The memoryless baseline of the test metric: MSE 1/6 (adding) or cross-entropy ln K (copy). */
    public double baselineLoss() {
        return copy == null ? AddingProblem.CONSTANT_BASELINE_MSE : copy.baselineCrossEntropy();
    }

    /** Solved: test MSE < 0.01 (adding) or recall accuracy >= 0.99 (copy). */
    public boolean solved(double testLoss, double testAccuracy) {
        return copy == null ? testLoss < 0.01 : testAccuracy >= 0.99;
    }

    public String solvedRule() {
        return copy == null ? "test MSE < 0.01" : "recall accuracy >= 0.99";
    }

    /**
     * A batch of B sequences.
     * @param x       (T, B, I) out
     * @param values  (B) out: the adding problem's targets (unused for copy)
     * @param classes (S*B) out: the copy task's symbols at the recall steps, step-major (unused for adding)
     */
    public void generate(float[] x, float[] values, int[] classes, int batch, SplittableRandom random) {
        if (copy == null) {
            AddingProblem.generate(x, values, steps, batch, random);
            return;
        }
        int[] targets = new int[steps * batch];
        float[] mask = new float[steps * batch];
        copy.generate(x, targets, mask, batch, random);
        System.arraycopy(targets, copy.firstRecallStep() * batch, classes, 0, copy.symbols() * batch);
    }
}
