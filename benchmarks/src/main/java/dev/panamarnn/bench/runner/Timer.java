package dev.panamarnn.bench.runner;

import java.util.Arrays;

/** Warm-up, then repeated timing; reports median and spread (min, max) in milliseconds. */
final class Timer {
    private Timer() {}

    /** Median, min and max of the repeats, in ms. */
    record Result(double medianMs, double minMs, double maxMs, int repeats) {}

    /**
     * Runs {@code action} for at least {@code warmupSeconds} (at least once; not at all when 0), then times it
     * until {@code measureSeconds} have passed and at least {@code minRepeats} runs were made
     * (at most {@code maxRepeats}).
     */
    static Result time(Runnable action, double warmupSeconds, double measureSeconds, int minRepeats, int maxRepeats) {
        if (warmupSeconds > 0) {
            long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            do {
                action.run();
            } while (System.nanoTime() < warmEnd);
        }
        double[] samples = new double[maxRepeats];
        int n = 0;
        long measureEnd = System.nanoTime() + (long) (measureSeconds * 1e9);
        while (n < maxRepeats && (n < minRepeats || System.nanoTime() < measureEnd)) {
            long t0 = System.nanoTime();
            action.run();
            samples[n++] = (System.nanoTime() - t0) / 1e6;
        }
        double[] s = Arrays.copyOf(samples, n);
        return new Result(median(s), min(s), max(s), n);
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }

    static double max(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }
}
