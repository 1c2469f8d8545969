package dev.panamarnn.spark;

import java.io.Serializable;

/**
 * One sequence as it travels between Spark stages (plain Java arrays, never native memory): its id,
 * its rank in id order (the shard is rank mod N, the order inside a shard is by rank), and its steps
 * sorted by the time column.
 *
 * @param id      the sequence id, as a string
 * @param rank    its index among all sequences sorted by id
 * @param length  T >= 1 steps
 * @param width   features per step F (every step of the sequence has F; checked on the driver)
 * @param inputs  (T * F) step-major
 * @param labels  (1) per sequence or (T) per step class names, or null
 * @param targets (K) per sequence or (T * K) per step values, or null
 * @param problem null, or why this sequence cannot be used (reported on the driver)
 */
public record ShardSequence(String id, long rank, int length, int width, float[] inputs, String[] labels, float[] targets,
                            String problem) implements Serializable {
    /** The same sequence at rank {@code r}. */
    ShardSequence withRank(long r) {
        return new ShardSequence(id, r, length, width, inputs, labels, targets, problem);
    }
}
