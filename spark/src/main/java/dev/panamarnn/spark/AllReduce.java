package dev.panamarnn.spark;

/**
 * How a {@link SparkTrainer} sums the workers' gradients each step. Both sum
 * {@code g = sum_i (w_i / W) g_i} in shard order 0..N-1 with {@link GradientSum}'s arithmetic, so both
 * train the same model, bit for bit.
 */
public enum AllReduce {
    /**
     * One Spark job per step: the driver broadcasts the weights, collects the N gradients, sums them and
     * takes the optimizer step. A failed task is simply run again. The driver's link carries N gradients.
     */
    DRIVER,
    /**
     * One barrier stage runs many steps (all of them, or the steps between two checkpoints). Its N tasks
     * meet through {@code BarrierTaskContext.allGather}, open a TCP connection between each pair, and sum
     * the flat gradient slab among themselves: worker c sums chunk c of the slab from all N workers' pieces
     * in shard order (reduce-scatter), then sends the summed chunk to every other worker (all-gather). Each
     * worker sends and receives 2 (N-1)/N x 4P bytes per step, as in a ring. Every worker holds its own
     * optimizer and takes the same step. It needs N task slots at once; a failed task restarts the whole
     * stage from the state it started from (the last checkpoint).
     */
    BARRIER
}
