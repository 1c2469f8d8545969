package dev.panamarnn.spark;

import java.util.List;

/**
 * The all-reduce's arithmetic, shared by the distributed trainer and its single-process reference so
 * both sum in the same order. Each worker's gradient is the gradient of its shard batch's MEAN loss
 * (the library's losses divide by their count of loss terms: rows per sequence, valid steps per
 * step); the gradient of the mean over the union of the batches is then
 * <pre>
 *   g = sum_i (w_i / W) g_i,   W = sum_i w_i,   w_i = loss terms of worker i (0: no batch this step)
 * </pre>
 * summed in worker order 0, 1, ..., N-1 in float, each coefficient rounded to float once. With
 * equal batches of N = 2^k workers the coefficients are exact powers of two, so (softmax - onehot)
 * / b * 1/2 is bit for bit the (softmax - onehot) / 2b of one batch of 2b.
 */
public final class GradientSum {
    private GradientSum() {}

    /** One worker's part of a step: its loss terms, mean loss and gradient (null when weight is 0). */
    public record Part(long weight, double loss, float[] gradient) {}

    /** The combined mean loss: sum_i (w_i / W) loss_i in worker order (NaN when W is 0). */
    public static double loss(List<Part> parts) {
        long total = total(parts);
        double sum = 0;
        for (Part p : parts) {
            if (p.weight() > 0) {
                sum += (double) p.weight() / total * p.loss();
            }
        }
        return total == 0 ? Double.NaN : sum;
    }

    /**
     * Writes sum_i (w_i / W) g_i into {@code out} (every element set), in worker order.
     * @throws IllegalArgumentException if no worker had a batch, or a gradient's length differs from out's
     */
    public static void combine(List<Part> parts, float[] out) {
        long total = total(parts);
        if (total == 0) {
            throw new IllegalArgumentException("no worker had a batch in this step (every weight is 0)");
        }
        java.util.Arrays.fill(out, 0f);
        for (int i = 0; i < parts.size(); i++) {
            Part p = parts.get(i);
            if (p.weight() == 0) {
                continue;
            }
            if (p.gradient() == null || p.gradient().length != out.length) {
                throw new IllegalArgumentException("worker " + i + "'s gradient has " + (p.gradient() == null ? "no" : p.gradient().length)
                        + " values, expected " + out.length);
            }
            float c = (float) ((double) p.weight() / total);
            float[] g = p.gradient();
            for (int j = 0; j < out.length; j++) {
                out[j] += c * g[j];
            }
        }
    }

    private static long total(List<Part> parts) {
        long total = 0;
        for (Part p : parts) {
            total += p.weight();
        }
        return total;
    }
}
