package dev.panamarnn.model;

/**
 * A model's quality on a data set, per task: the mean loss (cross-entropy in nats, or MSE) over
 * every scored row (each sequence, or each real step per step), and the task's own measures.
 * Measures that do not apply to the task are NaN.
 *
 * @param rows          scored rows (sequences, or real steps per step)
 * @param loss          mean loss; for a regressor with target normalisation the MSE in normalised units (what training minimises)
 * @param accuracy      fraction of rows whose arg-max class is the label (classification, language model)
 * @param bitsPerToken  loss / ln 2 (language model)
 * @param mae           mean absolute error over every target value, in the targets' units (regression)
 * @param rmse          root mean squared error over every target value, in the targets' units (regression)
 * @param lossNormalised true when the loss is in normalised target units (a regressor with target normalisation)
 * @param labelErrorRate edit distance between the greedy decoding and the label sequences over their total length (CTC)
 */
public record Metrics(Task task, long rows, double loss, double accuracy, double bitsPerToken, double mae, double rmse,
                      boolean lossNormalised, double labelErrorRate) {

    /** Measures whose loss is in the targets' own units (no target normalisation). */
    public Metrics(Task task, long rows, double loss, double accuracy, double bitsPerToken, double mae, double rmse) {
        this(task, rows, loss, accuracy, bitsPerToken, mae, rmse, false, Double.NaN);
    }

    /** Measures of a task other than CTC. */
    public Metrics(Task task, long rows, double loss, double accuracy, double bitsPerToken, double mae, double rmse, boolean lossNormalised) {
        this(task, rows, loss, accuracy, bitsPerToken, mae, rmse, lossNormalised, Double.NaN);
    }

    /** The number early stopping and the listener compare: lower is better. */
    public double objective() {
        return loss;
    }

    @Override
    public String toString() {
        return switch (task) {
            case CLASSIFICATION -> String.format("loss %.4f  accuracy %.4f  (%d rows)", loss, accuracy, rows);
            case LANGUAGE_MODEL -> String.format("loss %.4f  bits/token %.4f  accuracy %.4f  (%d tokens)", loss, bitsPerToken, accuracy, rows);
            case CTC -> String.format("loss %.4f  label error rate %.4f  (%d sequences)", loss, labelErrorRate, rows);
            case REGRESSION -> String.format("mse %.6g%s  mae %.6g  rmse %.6g  (%d rows)", loss, lossNormalised ? " (normalised)" : "",
                    mae, rmse, rows);
        };
    }
}
