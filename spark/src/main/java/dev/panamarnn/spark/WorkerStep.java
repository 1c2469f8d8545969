package dev.panamarnn.spark;

import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * One worker's part of one synchronous step, the same code on an executor and in the
 * single-process reference: the shard's batch of this step (the shard shuffled with its own seed
 * per epoch, cut into batches of b), the gradient of its mean loss from zero, and the loss terms
 * it weighs in the all-reduce.
 */
public final class WorkerStep {
    private WorkerStep() {}

    /**
     * What a worker sends to the all-reduce (gradient null when it had no batch in this step); with
     * truncated BPTT also its batch's window count and the state its rows carry into the next window
     * ({@link WindowStep}; 1 and null without).
     */
    public record Result(int shard, long weight, double loss, float[] gradient, long computeNanos, String kernels, int windows,
                         float[] carried) implements Serializable {
        GradientSum.Part part() {
            return new GradientSum.Part(weight, loss, gradient);
        }
    }

    /** The seed of shard {@code shard}'s shuffle in {@code epoch}: distinct for every (epoch, shard). */
    public static long epochSeed(long seed, int epoch, int shard, int workers) {
        return seed + (long) epoch * workers + shard;
    }

    /** The shard's batches of {@code epoch}: shuffled with {@link #epochSeed}, not grouped by length. */
    public static List<SequenceBatch> batches(SequenceDataset shard, int batchSize, long seed, int epoch, int shardIndex, int workers) {
        return shard.batches(batchSize, true, false, epochSeed(seed, epoch, shardIndex, workers));
    }

    /** Batches per epoch of a shard of {@code size} sequences. */
    public static long batchesPerEpoch(long size, int batchSize) {
        return (size + batchSize - 1) / batchSize;
    }

    /**
     * The training forward whose dropout masks worker {@code shard} draws at {@code step}
     * ({@link SequenceModel#dropoutPass}): one number per (step, shard), so a task run again draws
     * the masks of its first attempt; with one worker it is the step, as in the library's Trainer.
     */
    static long dropoutPass(long step, int workers, int shard) {
        return step * workers + shard;
    }

    /**
     * Loads {@code weights} into the replica (null: keep its parameters), zeroes its gradients and
     * accumulates the gradient of {@code batch} (null: no batch this step, weight 0), with the
     * dropout masks of ({@code step}, {@code shard}) among {@code workers}.
     */
    public static Result compute(SequenceModel replica, float[] weights, SequenceBatch batch, int shard, long step, int workers) {
        long start = System.nanoTime();
        if (batch == null) {
            return new Result(shard, 0, 0, null, 0, replica.kernels().name(), 1, null);
        }
        load(replica, weights);
        replica.zeroGradients();
        replica.dropoutPass(dropoutPass(step, workers, shard));
        double loss = replica.accumulateGradients(batch);
        float[] gradient = replica.gradients().all().toArray(ValueLayout.JAVA_FLOAT);
        return new Result(shard, weight(replica, batch), loss, gradient, System.nanoTime() - start, replica.kernels().name(), 1, null);
    }

    /** Copies {@code weights} into the replica's parameter slab (null: keeps its parameters). */
    static void load(SequenceModel replica, float[] weights) {
        if (weights != null) {
            MemorySegment p = replica.parameters().all();
            if (p.byteSize() != (long) weights.length * Float.BYTES) {
                throw new IllegalStateException("the broadcast weights have " + weights.length + " floats, the replica's slab "
                        + p.byteSize() / Float.BYTES);
            }
            MemorySegment.copy(weights, 0, p, ValueLayout.JAVA_FLOAT, 0, weights.length);
        }
    }

    /** The batch's loss terms: its rows (a loss per sequence) or its valid steps (a loss per step). */
    static long weight(SequenceModel model, SequenceBatch batch) {
        if (model.spec().outputMode() != OutputMode.PER_STEP) {
            return batch.batch();
        }
        long steps = 0;
        for (int length : batch.lengths()) {
            steps += length;
        }
        return steps;
    }
}
