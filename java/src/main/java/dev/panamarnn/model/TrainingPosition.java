package dev.panamarnn.model;

/** Where a {@link Trainer} is: what a checkpoint saves so that a resumed run continues exactly. */
final class TrainingPosition {
    long step;                       // optimizer steps taken (including skipped ones)
    int epoch;                       // epochs completed; the current epoch's batch order uses seed + epoch
    int batchInEpoch;                // batches of the current epoch done
    int windowInBatch;               // truncated-BPTT windows of the current batch done
    double epochLossSum;             // the current epoch's summed step losses
    long epochLossSteps;
    double bestObjective = Double.POSITIVE_INFINITY;
    int epochsWithoutImprovement;
    Metrics best;
    long lastCheckpoint;             // step of the last checkpoint this run wrote

    /** Takes the counters of {@code other}, a position read from a checkpoint (the best epoch's metrics are not saved, so not taken). */
    void set(TrainingPosition other) {
        step = other.step;
        epoch = other.epoch;
        batchInEpoch = other.batchInEpoch;
        windowInBatch = other.windowInBatch;
        epochLossSum = other.epochLossSum;
        epochLossSteps = other.epochLossSteps;
        bestObjective = other.bestObjective;
        epochsWithoutImprovement = other.epochsWithoutImprovement;
        lastCheckpoint = other.lastCheckpoint;
    }

    void nextEpoch() {
        epoch++;
        batchInEpoch = 0;
        windowInBatch = 0;
        epochLossSum = 0;
        epochLossSteps = 0;
    }
}
