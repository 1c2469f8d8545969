package dev.panamarnn.bench.runner;

import java.util.Arrays;

/** Warm-up, then repeated timing; reports median and spread (min, max) in milliseconds. */
final class Timer {
    private Timer() {}

    /** Median, min and max of the repeats, in ms. */
    record Result(double medianMs, double minMs, double maxMs, int repeats) {
        String spread() {
            return String.format("%.2f-%.2f", minMs, maxMs);
        }
    }

    /**
     * Runs {@code action} for at least {@code warmupSeconds} (and at least once), then times it
     * until {@code measureSeconds} have passed and at least {@code minRepeats} runs were made
     * (at most {@code maxRepeats}).
     */
    static Result time(Runnable action, double warmupSeconds, double measureSeconds, int minRepeats, int maxRepeats) {
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        do {
            action.run();
        } while (System.nanoTime() < warmEnd);
        double[] samples = new double[maxRepeats];
        int n = 0;
        long measureEnd = System.nanoTime() + (long) (measureSeconds * 1e9);
        while (n < maxRepeats && (n < minRepeats || System.nanoTime() < measureEnd)) {
            long t0 = System.nanoTime();
            action.run();
            samples[n++] = (System.nanoTime() - t0) / 1e6;
        }
        double[] s = Arrays.copyOf(samples, n);
        Arrays.sort(s);
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        return new Result(median, s[0], s[n - 1], n);
    }
}
