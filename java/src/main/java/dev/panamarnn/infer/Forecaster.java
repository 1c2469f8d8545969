package dev.panamarnn.infer;

import dev.panamarnn.model.ModelSpec;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Task;

/**
 * Forecasts a univariate series with a next-value model: a {@link SequenceModel} of one feature
 * that predicts, at every step, the series' next value (trained on
 * {@code SequenceDataset.nextValues}; built with {@link #model}). A client of the streaming path:
 * one {@link StreamState} reads the history value by value, carrying the state, and gives the
 * forecast of the next value after each; multi-step forecasts feed each forecast back in as the
 * next input.
 *
 * <p>The forecaster copies the model's parameters when it is made (training the model afterwards
 * does not change its forecasts). One thread at a time.
 */
public final class Forecaster implements AutoCloseable {
    private final InferenceModel inference;
    private final StreamState stream;
    private final float[] value = new float[1];      // (1) the step's input y_t
    private final float[] next = new float[1];       // (1) the forecast of y_{t+1}

    /** The number format of the recurrent weights this forecaster steps with. */
    public Precision precision() {
        return inference.precision();
    }

    /**
     * @throws IllegalArgumentException if {@code model} does not read one feature and regress one
     *         value at every step
     */
    public Forecaster(SequenceModel model) {
        this(model, Precision.FLOAT32);
    }

    /** A forecaster whose recurrent weights are in the given precision ({@link InferenceModel#of(SequenceModel, Precision)}). */
    public Forecaster(SequenceModel model, Precision precision) {
        if (model == null) {
            throw new IllegalArgumentException("model is required");
        }
        ModelSpec spec = model.spec();
        if (spec.tokens() || spec.features() != 1 || spec.task() != Task.REGRESSION || spec.outputs() != 1
                || spec.outputMode() != OutputMode.PER_STEP || spec.bidirectional()) {
            throw new IllegalArgumentException("a forecaster needs a unidirectional model of one feature regressing one value per step; this "
                    + "model reads " + (spec.tokens() ? "tokens" : spec.features() + " feature(s)") + ", " + spec.task().id() + " of "
                    + spec.outputs() + " value(s), " + spec.outputMode().id() + (spec.bidirectional() ? ", bidirectional" : ""));
        }
        this.inference = InferenceModel.of(model, precision);      // throws when the model is closed
        try {
            this.stream = inference.newStream();
        } catch (RuntimeException | Error e) {
            inference.close();
            throw e;
        }
    }

    /**
     * The builder of a next-value model for a series with this mean and standard deviation: inputs
     * and targets both normalised by them inside the model, so it learns in normalised units and
     * forecasts in the series' own; choose the stack on it.
     */
    public static SequenceModel.Builder model(double mean, double std) {
        float[] m = {(float) mean}, s = {(float) std};
        return SequenceModel.builder().features(1).normalise(m, s).regress(1).output(OutputMode.PER_STEP).normaliseTargets(m, s);
    }

    /** Reads the whole history and forecasts the next {@code horizon} values, each fed back as the next input. */
    public double[] forecast(double[] history, int horizon) {
        requireFinite("history", history);
        if (history.length < 1 || horizon < 1) {
            throw new IllegalArgumentException("forecast needs at least one past value and horizon >= 1, got " + history.length
                    + " and " + horizon);
        }
        double forecast = read(history);
        double[] out = new double[horizon];
        for (int h = 0; h < horizon; h++) {
            out[h] = forecast;
            if (h + 1 < horizon) {
                forecast = step(forecast);
            }
        }
        return out;
    }

    /**
     * Rolling one-step-ahead forecasts over {@code tail}: the forecast of tail[i] is made after
     * reading the history and the true values tail[0..i-1].
     */
    public double[] oneStepForecasts(double[] history, double[] tail) {
        requireFinite("history", history);
        requireFinite("tail", tail);
        if (history.length < 1 || tail.length < 1) {
            throw new IllegalArgumentException("need at least one past value and one value to forecast, got " + history.length
                    + " and " + tail.length);
        }
        double forecast = read(history);
        double[] out = new double[tail.length];
        for (int i = 0; i < tail.length; i++) {
            out[i] = forecast;
            forecast = step(tail[i]);
        }
        return out;
    }

    /** From zero state, every value of {@code history}; the forecast after the last. */
    private double read(double[] history) {
        stream.reset();
        double forecast = 0;
        for (double y : history) {
            forecast = step(y);
        }
        return forecast;
    }

    private double step(double y) {
        value[0] = (float) y;
        stream.step(value, next);
        return next[0];
    }

    /** Every value finite (a NaN would silently turn every later forecast into NaN). */
    private static void requireFinite(String name, double[] values) {
        if (values == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] must be finite, got " + values[i]);
            }
        }
    }

    @Override
    public void close() {
        stream.close();
        inference.close();
    }
}
