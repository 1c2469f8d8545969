package dev.panamarnn.model;

/**
 * Forecast errors on a held-out tail: MAE, RMSE and MASE (mean absolute scaled error: MAE divided
 * by the in-sample MAE of the seasonal-naive forecast with period m on the training part, Hyndman
 * and Koehler 2006), and the naive baselines they are compared with.
 */
public final class ForecastMetrics {
    private ForecastMetrics() {}

    /** Errors of one forecast. */
    public record Errors(double mae, double rmse, double mase) {
        @Override
        public String toString() {
            return String.format("MAE %.3f  RMSE %.3f  MASE %.3f", mae, rmse, mase);
        }
    }

    /** MAE, RMSE, MASE of {@code forecast} against {@code truth}; {@code training} scales MASE with period m. */
    public static Errors errors(double[] truth, double[] forecast, double[] training, int period) {
        required("truth", truth, 1);
        required("forecast", forecast, 0);
        required("training", training, 0);
        period(period);
        if (truth.length != forecast.length || truth.length == 0) {
            throw new IllegalArgumentException("truth and forecast must have the same non-zero length, got "
                    + truth.length + " and " + forecast.length);
        }
        double abs = 0, sq = 0;
        for (int i = 0; i < truth.length; i++) {
            double e = truth[i] - forecast[i];
            abs += Math.abs(e);
            sq += e * e;
        }
        double mae = abs / truth.length;
        return new Errors(mae, Math.sqrt(sq / truth.length), mae / naiveScale(training, period));
    }

    /** In-sample MAE of the seasonal-naive forecast y_t = y_{t-m} on the training part. */
    static double naiveScale(double[] training, int period) {
        if (training.length <= period) {
            throw new IllegalArgumentException("need more than " + period + " training points for MASE, got " + training.length);
        }
        double sum = 0;
        for (int t = period; t < training.length; t++) {
            sum += Math.abs(training[t] - training[t - period]);
        }
        return sum / (training.length - period);
    }

    /** The last observed value, repeated {@code horizon} times. */
    public static double[] naive(double[] history, int horizon) {
        required("history", history, 1);
        horizon(horizon);
        double[] f = new double[horizon];
        java.util.Arrays.fill(f, history[history.length - 1]);
        return f;
    }

    /** Rolling one-step naive forecasts of {@code tail}: each value predicted by the one before it. */
    public static double[] naiveOneStep(double[] history, double[] tail) {
        required("history", history, 1);
        required("tail", tail, 1);
        double[] f = new double[tail.length];
        f[0] = history[history.length - 1];
        System.arraycopy(tail, 0, f, 1, tail.length - 1);
        return f;
    }

    /**
     * Rolling one-step seasonal-naive forecasts of {@code tail}: each value predicted by the one m
     * steps before it (from the history or from the tail's own observed values).
     */
    public static double[] seasonalNaiveOneStep(double[] history, double[] tail, int period) {
        required("history", history, 0);
        required("tail", tail, 0);
        if (period < 1 || history.length < period) {
            throw new IllegalArgumentException("seasonal naive with period " + period + " needs period >= 1 and that much history, got "
                    + history.length);
        }
        double[] f = new double[tail.length];
        for (int i = 0; i < tail.length; i++) {
            int back = i - period;                                   // index of y_{t-m} in tail, negative: in history
            f[i] = back >= 0 ? tail[back] : history[history.length + back];
        }
        return f;
    }

    private static void required(String name, double[] values, int minLength) {
        if (values == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (values.length < minLength) {
            throw new IllegalArgumentException(name + " needs at least " + minLength + " value(s), got " + values.length);
        }
    }

    private static void period(int period) {
        if (period < 1) {
            throw new IllegalArgumentException("period must be >= 1, got " + period);
        }
    }

    private static void horizon(int horizon) {
        if (horizon < 0) {
            throw new IllegalArgumentException("horizon must be >= 0, got " + horizon);
        }
    }

    /** The value one season earlier: f_h = y_{n - m + ((h - 1) mod m)}. */
    public static double[] seasonalNaive(double[] history, int horizon, int period) {
        required("history", history, 0);
        period(period);
        horizon(horizon);
        if (history.length < period) {
            throw new IllegalArgumentException("seasonal naive with period " + period + " needs that much history, got " + history.length);
        }
        double[] f = new double[horizon];
        for (int h = 0; h < horizon; h++) {
            f[h] = history[history.length - period + (h % period)];
        }
        return f;
    }
}
