package dev.panamarnn.examples.support;

import dev.panamarnn.CellType;
import java.util.Locale;

/**
 * What training a network of the given options would allocate, estimated before anything is: its
 * parameters (gates x H x (inputs + H + 2 biases) per layer and direction, the head, the embedding)
 * at 4 bytes each, four times over (weights, gradients, Adam's two moments), plus the activations
 * a training step keeps (about gates + 2 values per hidden unit, step, sequence, layer and
 * direction). Above {@link #LIMIT_BYTES} the command refuses, naming the sizes, instead of failing
 * later with an out-of-memory error (or swapping for an hour).
 */
public record NetworkSize(long parameters, double trainingBytes) {
    /** The most a training run may need: 8 GiB. */
    public static final double LIMIT_BYTES = 8.0 * (1L << 30);

    public static NetworkSize of(CellType cell, int inputs, int hidden, int layers, boolean bidirectional, int outputs,
                          int vocabulary, int embedding, int batch, int steps) {
        double g = cell.gates(), h = hidden, d = bidirectional ? 2 : 1;
        double parameters = d * g * h * (inputs + h + 2)                                  // first layer
                + (layers - 1) * d * g * h * (d * h + h + 2)                              // the layers above it
                + (d * h + 1) * outputs + (double) vocabulary * embedding;               // head, embedding
        double activations = (double) batch * steps * layers * d * h * (g + 2);
        return new NetworkSize((long) Math.min(parameters, Long.MAX_VALUE), 4 * (4 * parameters + activations));
    }

    /** Refuses a network above the limit: {@code options} names the options that size it, as the user gave them. */
    public NetworkSize requireTrainable(String options) {
        if (trainingBytes > LIMIT_BYTES) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s would make a network of %,d parameters (%s of weights) needing about %s to train (weights, gradients, "
                            + "Adam moments and activations); the limit is %s: make it smaller",
                    options, parameters, bytes(4.0 * parameters), bytes(trainingBytes), bytes(LIMIT_BYTES)));
        }
        return this;
    }

    public static String bytes(double n) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
        int u = 0;
        while (n >= 1024 && u < units.length - 1) {
            n /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f bytes", n) : String.format(Locale.ROOT, "%.1f %s", n, units[u]);
    }
}
