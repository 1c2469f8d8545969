package dev.panamarnn.spark;

import java.util.List;

/**
 * Where a {@link SparkTrainer} is inside a batch trained as truncated-BPTT windows, on the driver:
 * the next window, the batch's window count (the most over the shards, learnt from window 0's
 * results), and every shard's state carried into the next window ({@link WindowStep}). Without
 * truncated BPTT every batch is one window and nothing is carried.
 */
final class TruncatedBpttPosition {
    private int next;             // the window the next step trains
    private int count;            // windows of the current batch (0 before its window 0)
    private float[][] carried;    // (N) per shard: the state out of window next - 1, or null

    /** The window the next step trains. */
    int next() {
        return next;
    }

    /** Windows of the current batch (0 before its window 0 has run). */
    int count() {
        return count;
    }

    /** (N) each shard's state carried into window {@link #next}, or null for window 0. */
    float[][] carried() {
        return carried;
    }

    /** True between two windows of a batch: the next step trains the same batch. */
    boolean inBatch() {
        return next > 0;
    }

    /** After a step's results (in shard order): on to the next window, or to the next batch after the last. */
    void advance(List<WorkerStep.Result> results) {
        if (next == 0) {
            count = results.stream().mapToInt(WorkerStep.Result::windows).max().orElse(1);
        }
        if (++next < count) {
            carried = new float[results.size()][];
            for (WorkerStep.Result r : results) {
                carried[r.shard()] = r.carried();
            }
        } else {
            reset();
        }
    }

    /** A checkpoint's position: window {@code window} of {@code windows} next, from {@code state} (0, 0, null: a batch's start). */
    void restore(int window, int windows, float[][] state) {
        next = window;
        count = windows;
        carried = state;
    }

    /** At the start of a batch. */
    void reset() {
        next = 0;
        count = 0;
        carried = null;
    }
}
