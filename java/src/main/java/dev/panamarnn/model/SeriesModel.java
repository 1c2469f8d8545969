package dev.panamarnn.model;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.TruncatedBptt;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.layers.Linear;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A one-step-ahead forecaster for a univariate series: the normalised value z_t = (y_t - mean) / std
 * -> recurrent stack (1 -> H) -> linear head (H -> 1) predicting z_{t+1}. Multi-step forecasts feed
 * each prediction back as the next input. Parameters "rnn.*" and "head.*" in one slab.
 */
public final class SeriesModel implements AutoCloseable {
    /** Architecture and the normalisation the model was trained with. */
    public record Config(CellType cell, int hidden, int layers, long seed, double mean, double std, int period) {
        public Config {
            if (cell == null || hidden < 1 || layers < 1 || !(std > 0) || period < 1) {
                throw new IllegalArgumentException("series model needs a cell, hidden >= 1, layers >= 1, std > 0, period >= 1; got "
                        + cell + ", " + hidden + ", " + layers + ", " + std + ", " + period);
            }
            if (!Double.isFinite(mean) || !Double.isFinite(std)) {
                throw new IllegalArgumentException("series model normalisation needs a finite mean and std, got mean " + mean
                        + ", std " + std);
            }
            RnnConfig.builder(cell, 1, hidden).layers(layers).seed(seed).build();   // the recurrent part's own checks
        }

        RnnConfig rnn() {
            return RnnConfig.builder(cell, 1, hidden).layers(layers).seed(seed).build();
        }
    }

    public static final String RNN = "rnn.";
    public static final String HEAD = "head.";

    private final Config config;
    private final Kernels kernels;
    private final Slab parameters;
    private final Slab gradients;
    private final Rnn rnn;
    private final Linear head;

    public SeriesModel(Config config, Kernels kernels) {
        if (config == null || kernels == null) {
            throw new IllegalArgumentException("a series model needs a config and kernels; got config " + config + ", kernels "
                    + (kernels == null ? "null" : kernels.name()));
        }
        this.config = config;
        this.kernels = kernels;
        Slab.Layout layout = layout(config);
        this.parameters = Slab.allocate("series-model parameters", layout);
        this.gradients = Slab.allocate("series-model gradients", layout);
        try {
            this.rnn = Rnn.inSlabs(config.rnn(), kernels, parameters, gradients, RNN);
            this.head = new Linear(kernels, parameters, gradients, HEAD, config.hidden(), 1, config.seed() + 1);
        } catch (RuntimeException | Error e) {
            parameters.close();
            gradients.close();
            throw e;
        }
    }

    /** Every value finite (a NaN would silently turn every later forecast into NaN). */
    static void requireFinite(String name, double[] values) {
        if (values == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] must be finite, got " + values[i]);
            }
        }
    }

    public static Slab.Layout layout(Config config) {
        Slab.Layout.Builder layout = Slab.Layout.builder();
        Rnn.addParameters(layout, config.rnn(), RNN);
        Linear.addParameters(layout, HEAD, config.hidden(), 1);
        return layout.build();
    }

    public Config config() {
        return config;
    }

    public Kernels kernels() {
        return kernels;
    }

    public Slab parameters() {
        return parameters;
    }

    public Slab gradients() {
        return gradients;
    }

    public Rnn rnn() {
        return rnn;
    }

    public Linear head() {
        return head;
    }

    double normalise(double y) {
        return (y - config.mean()) / config.std();
    }

    double denormalise(double z) {
        return z * config.std() + config.mean();
    }

    /**
     * Reads the whole history (one step at a time, carrying the state) and then forecasts the next
     * {@code horizon} values, feeding each prediction back in.
     */
    public double[] forecast(double[] history, int horizon) {
        requireFinite("history", history);
        if (history.length < 1 || horizon < 1) {
            throw new IllegalArgumentException("forecast needs at least one past value and horizon >= 1, got "
                    + history.length + " and " + horizon);
        }
        try (TruncatedBptt stream = new TruncatedBptt(rnn, 1, 1, 1); Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, 1, 1, 1);
            MemorySegment y = arena.allocate(Float.BYTES);
            double next = readHistory(stream, x, y, history);
            double[] out = new double[horizon];
            for (int h = 0; h < horizon; h++) {
                out[h] = denormalise(next);
                if (h + 1 < horizon) {
                    next = predictNext(stream, x, y, next);
                }
            }
            return out;
        }
    }

    /** Feeds every value of {@code history} through the network; the normalised prediction after the last. */
    private double readHistory(TruncatedBptt stream, Tensor x, MemorySegment y, double[] history) {
        double next = 0;
        for (double value : history) {
            next = predictNext(stream, x, y, normalise(value));
        }
        return next;
    }

    /**
     * Rolling one-step-ahead forecasts over {@code tail}: the prediction for tail[i] is made after
     * reading the history and the true values tail[0..i-1].
     */
    public double[] oneStepForecasts(double[] history, double[] tail) {
        requireFinite("history", history);
        requireFinite("tail", tail);
        if (history.length < 1 || tail.length < 1) {
            throw new IllegalArgumentException("need at least one past value and one value to forecast, got "
                    + history.length + " and " + tail.length);
        }
        try (TruncatedBptt stream = new TruncatedBptt(rnn, 1, 1, 1); Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, 1, 1, 1);
            MemorySegment y = arena.allocate(Float.BYTES);
            double next = readHistory(stream, x, y, history);
            double[] out = new double[tail.length];
            for (int i = 0; i < tail.length; i++) {
                out[i] = denormalise(next);
                next = predictNext(stream, x, y, normalise(tail[i]));
            }
            return out;
        }
    }

    private double predictNext(TruncatedBptt stream, Tensor x, MemorySegment y, double z) {
        x.set(0, (float) z);
        Tensor hidden = stream.forward(x, false);
        head.forward(y, hidden.segment(), 1);
        return y.get(ValueLayout.JAVA_FLOAT, 0);
    }

    @Override
    public void close() {
        rnn.close();
        parameters.close();
        gradients.close();
    }
}
