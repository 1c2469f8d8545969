package dev.panamarnn.spark;

import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.model.BpttWindows;
import dev.panamarnn.model.SequenceModel;
import java.lang.foreign.ValueLayout;

/**
 * One worker's part of one step of truncated BPTT (per-step models, window k): the gradient of
 * window w of its batch, as {@code Trainer} with {@code truncatedBptt(k)} computes it for that
 * batch in one process. A batch of T <= k steps is one plain step (as the Trainer does it); a
 * longer one is ceil(T / k) steps, window after window, each from the state its rows carried out of
 * the window before. That state comes in with the task and goes back in the result: the driver
 * keeps every shard's carried state between the steps of a batch, so a task stays a pure function
 * of (weights, shard, step, carried state), and a task run again anywhere gives the same result.
 *
 * <p>The N workers' windows w together are window w of the union of their batches: a row's
 * window-w steps are the same whichever batch holds it, and a worker whose batch has fewer windows
 * sits the later ones out with weight 0 (in the union its rows have ended: no loss, no gradient).
 */
public final class WindowStep {
    private WindowStep() {}

    /**
     * Loads {@code weights} into the replica (null: keep its parameters), zeroes its gradients and
     * accumulates window {@code index} of {@code batch}, starting from {@code carried}
     * ({@link BpttWindows#carried}: the state out of window index - 1; ignored for window 0), with
     * the dropout masks of ({@code step}, {@code shard}) among {@code workers}.
     * @param window k, the truncated-BPTT window in steps (>= 1)
     */
    public static WorkerStep.Result compute(SequenceModel replica, float[] weights, SequenceBatch batch, int shard, long step, int workers,
                                            int window, int index, float[] carried) {
        if (batch == null || batch.steps() <= window) {
            if (index == 0) {
                return WorkerStep.compute(replica, weights, batch, shard, step, workers);
            }
            return idle(replica, shard);
        }
        long start = System.nanoTime();
        try (BpttWindows windows = BpttWindows.of(replica, window, batch.batch())) {
            int count = windows.count(batch);
            if (index >= count) {
                return idle(replica, shard);
            }
            if (index > 0) {
                if (carried == null) {
                    throw new IllegalStateException("window " + index + " of shard " + shard + "'s batch needs the state carried out of window "
                            + (index - 1));
                }
                windows.carry(carried);
            }
            WorkerStep.load(replica, weights);
            replica.zeroGradients();
            replica.dropoutPass(WorkerStep.dropoutPass(step, workers, shard));
            double loss = windows.accumulateGradients(replica, batch, index);
            float[] gradient = replica.gradients().all().toArray(ValueLayout.JAVA_FLOAT);
            return new WorkerStep.Result(shard, validSteps(batch, window, index), loss, gradient, System.nanoTime() - start,
                    replica.kernels().name(), count, windows.carried());
        }
    }

    /** No window {@code index} in this worker's batch: weight 0. */
    private static WorkerStep.Result idle(SequenceModel replica, int shard) {
        return new WorkerStep.Result(shard, 0, 0, null, 0, replica.kernels().name(), 1, null);
    }

    /** The window's loss terms: each row's steps in [w*k, (w+1)*k) before its end. */
    static long validSteps(SequenceBatch batch, int window, int index) {
        long from = (long) index * window, steps = 0;
        for (int length : batch.lengths()) {
            steps += Math.max(0, Math.min(window, length - from));
        }
        return steps;
    }
}
