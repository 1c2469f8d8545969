package dev.panamarnn.model;

import java.nio.file.Path;

/**
 * What {@link Trainer#fit} reports while it runs (the CLI's progress bars and learning-curve PNGs
 * are one listener). Every method has an empty default; all are called on the training thread.
 */
public interface TrainingListener {

    /**
     * Before the first step.
     * @param plannedSteps the steps the budget allows if known (epochs or steps), else -1 (a time budget)
     * @param stepsPerEpoch batches in one pass over the training data
     */
    default void onStart(long plannedSteps, int stepsPerEpoch) {}

    /** After every optimizer step (or skipped step). */
    default void onStep(TrainingStep step, int epoch) {}

    /** After each validation pass (at the end of each epoch when there is validation data). */
    default void onValidation(long step, int epoch, Metrics metrics) {}

    /** After a checkpoint was written. */
    default void onCheckpoint(long step, Path file) {}

    /** Once at the end, with why training stopped. */
    default void onFinish(TrainingResult result) {}
}
