package dev.panamarnn.examples.experiment;

import java.util.Arrays;

/**
 * The preprocessing a forecaster is trained on, and its inverse: optionally z_t = log y_t, then
 * optionally the seasonal difference d_t = z_t - z_{t-m} (lag m). The network forecasts d; the
 * forecasts are mapped back to y with the observed (or, beyond one season, the forecast) values one
 * season earlier. Every method here reads only the values it is given, so a transform of the
 * history is exactly the prefix of the transform of the whole series (no look-ahead).
 */
public record SeriesTransform(boolean log, int lag) {
    public static final SeriesTransform NONE = new SeriesTransform(false, 0);

    public SeriesTransform {
        if (lag < 0) {
            throw new IllegalArgumentException("seasonal difference lag must be >= 0 (0: none), got " + lag);
        }
    }

    /** How the docs and the table name it, e.g. "log, difference at lag 12". */
    public String description() {
        if (!log && lag == 0) {
            return "none";
        }
        return (log ? "log" : "") + (log && lag > 0 ? ", " : "") + (lag > 0 ? "difference at lag " + lag : "");
    }

    /** z_t = log y_t (or y_t). */
    double[] level(double[] y) {
        double[] z = new double[y.length];
        for (int t = 0; t < y.length; t++) {
            if (log && !(y[t] > 0)) {
                throw new IllegalArgumentException("a log transform needs positive values; value " + t + " is " + y[t]);
            }
            z[t] = log ? Math.log(y[t]) : y[t];
        }
        return z;
    }

    /** The series the network sees: d_t = z_t - z_{t-m} for t in [m, n) (length n - m), or z itself. */
    public double[] apply(double[] y) {
        double[] z = level(y);
        if (lag == 0) {
            return z;
        }
        if (z.length <= lag) {
            throw new IllegalArgumentException("a difference at lag " + lag + " needs more than " + lag + " values, got " + z.length);
        }
        double[] d = new double[z.length - lag];
        for (int t = lag; t < z.length; t++) {
            d[t - lag] = z[t] - z[t - lag];
        }
        return d;
    }

    private double unlevel(double z) {
        return log ? Math.exp(z) : z;
    }

    /**
     * Multi-step: forecasts of d for the h steps after {@code history} -> forecasts of y.
     * z^_{n+k} = d^_{n+k} + z_{n+k-m}, where z_{n+k-m} is observed for k < m and forecast after.
     */
    public double[] invertForecast(double[] history, double[] forecast) {
        double[] z = Arrays.copyOf(level(history), history.length + forecast.length);   // observed, then forecast levels
        double[] y = new double[forecast.length];
        for (int k = 0; k < forecast.length; k++) {
            int t = history.length + k;
            z[t] = forecast[k] + (lag > 0 ? z[t - lag] : 0);
            y[k] = unlevel(z[t]);
        }
        return y;
    }

    /**
     * Rolling one-step: forecasts of d for each value of {@code tail}, made after observing the
     * values before it -> forecasts of y. z^_t = d^_t + z_{t-m} with z_{t-m} always observed.
     */
    public double[] invertOneStep(double[] history, double[] tail, double[] forecast) {
        if (tail.length != forecast.length) {
            throw new IllegalArgumentException("tail and forecast must have the same length, got " + tail.length + " and " + forecast.length);
        }
        double[] observed = new double[history.length + tail.length];
        System.arraycopy(history, 0, observed, 0, history.length);
        System.arraycopy(tail, 0, observed, history.length, tail.length);
        double[] z = level(observed);
        double[] y = new double[tail.length];
        for (int k = 0; k < tail.length; k++) {
            int t = history.length + k;
            y[k] = unlevel(forecast[k] + (lag > 0 ? z[t - lag] : 0));
        }
        return y;
    }
}
