package dev.panamarnn.model;

import java.util.List;

/**
 * How a {@link Trainer#fit} ended.
 *
 * @param steps       optimizer steps taken in total (including a resumed run's earlier steps)
 * @param epochs      epochs completed
 * @param reason      why it stopped: "budget", "early stopping", or "stopped" ({@link Trainer#stop})
 * @param trainLoss   mean training loss of each completed epoch
 * @param validation  validation metrics after each epoch (empty without validation data)
 * @param best        the best validation metrics (the restored weights' with early stopping), or null
 */
public record TrainingResult(long steps, int epochs, String reason, List<Double> trainLoss, List<Metrics> validation, Metrics best) {
    public TrainingResult {
        trainLoss = List.copyOf(trainLoss);
        validation = List.copyOf(validation);
    }
}
