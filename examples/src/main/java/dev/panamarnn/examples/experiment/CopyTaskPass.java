package dev.panamarnn.examples.experiment;

import dev.panamarnn.Workspace;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * The copy task's forward and backward for B sequences, on the expert API under the model: the
 * model's {@link SequenceModel#rnn() stack} runs a raw {@link Workspace} over all T steps, its
 * {@link SequenceModel#head() head} reads only the last S (recall) steps, and softmax cross-entropy
 * scores them. Why not {@link SequenceModel#accumulateGradients}: its per-step loss covers every
 * step of a sequence (only padding is masked) and the floor has no per-step ignore mask, while the
 * task scores the recall steps alone (a loss over the blank steps too would change the task and
 * its ln K baseline). Parameters, gradients and initialisation are still the model's.
 */
final class CopyTaskPass implements AutoCloseable {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    private final SequenceModel model;
    private final MemoryTask task;
    private final int rows;                    // B
    private final int scoredRows;              // S*B: the last S steps of every row
    private final int outputs;                 // K
    private final Arena arena = Arena.ofConfined();
    private final Workspace workspace;
    private final float[] xHeap;               // (T, B, K+2)
    private final int[] classes;               // (S*B) the symbols at the recall steps, step-major
    private final Tensor x;                    // (T, B, K+2)
    private final MemorySegment target;        // (S*B) int32
    private final MemorySegment logits;        // (S*B, K)
    private final MemorySegment dLogits;       // (S*B, K)
    private final Tensor dOutput;              // (T, B, H), zero but for the scored steps
    private final MemorySegment scoredHidden;  // (S*B, H) slice of the workspace output
    private final MemorySegment scoredDHidden; // (S*B, H) slice of dOutput

    CopyTaskPass(SequenceModel model, MemoryTask task, int rows) {
        int steps = task.steps(), s = task.scoredSteps(), h = model.spec().hiddenSize();
        this.model = model;
        this.task = task;
        this.rows = rows;
        this.scoredRows = s * rows;
        this.outputs = task.outputs();
        this.workspace = model.rnn().workspace(steps, rows);
        this.xHeap = new float[steps * rows * task.inputs()];
        this.classes = new int[scoredRows];
        this.x = Tensor.allocate(arena, steps, rows, task.inputs());
        this.target = arena.allocate((long) scoredRows * Integer.BYTES, 64);
        this.logits = arena.allocate((long) scoredRows * outputs * Float.BYTES, 64);
        this.dLogits = arena.allocate((long) scoredRows * outputs * Float.BYTES, 64);
        this.dOutput = Tensor.allocate(arena, steps, rows, h);
        long scoredAt = (long) (steps - s) * rows * h * Float.BYTES, scoredBytes = (long) scoredRows * h * Float.BYTES;
        this.scoredHidden = workspace.output().segment().asSlice(scoredAt, scoredBytes);
        this.scoredDHidden = dOutput.segment().asSlice(scoredAt, scoredBytes);
    }

    /** Draws B fresh sequences from {@code random}. */
    void draw(SplittableRandom random) {
        task.generate(xHeap, null, classes, rows, random);
        x.copyFrom(xHeap);
        MemorySegment.copy(classes, 0, target, I, 0, scoredRows);
    }

    /** Forward, the recall steps' mean cross-entropy, and BPTT from them: gradients added into the model's. */
    double lossAndBackward() {
        workspace.forward(x, null, null, null, true);
        model.head().forward(logits, null, scoredHidden, scoredRows);                           // (S*B, K)
        double loss = SoftmaxCrossEntropy.forwardBackward(model.kernels(), dLogits, logits, target, null, scoredRows, outputs);
        model.head().backward(scoredDHidden, dLogits, null, null, scoredHidden, scoredRows);   // dL/dh_t at the recall steps
        workspace.backward(dOutput, null, null);
        return loss;
    }

    /** The recall steps' cross-entropy (nats) and accuracy; nothing is changed. */
    MemoryTrainer.Evaluation evaluate() {
        workspace.forward(x, null, null, null, false);
        model.head().forward(logits, null, scoredHidden, scoredRows);
        double loss = SoftmaxCrossEntropy.forward(model.kernels(), logits, target, null, scoredRows, outputs);
        int correct = 0;
        for (long n = 0; n < scoredRows; n++) {
            int best = 0;
            for (int k = 1; k < outputs; k++) {
                if (logits.getAtIndex(F, n * outputs + k) > logits.getAtIndex(F, n * outputs + best)) {
                    best = k;
                }
            }
            correct += best == target.getAtIndex(I, n) ? 1 : 0;
        }
        return new MemoryTrainer.Evaluation(loss, (double) correct / scoredRows);
    }

    @Override
    public void close() {
        workspace.close();
        arena.close();
    }
}
