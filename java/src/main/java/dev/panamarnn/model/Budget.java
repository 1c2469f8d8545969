package dev.panamarnn.model;

import java.time.Duration;

/**
 * How long {@link Trainer#fit} trains: a number of epochs (passes over the training data), of
 * optimizer steps, or a wall-clock time — one of them, or a time or epochs limited further by
 * steps ({@link #orSteps}), training ending at the first limit reached; it also ends earlier when
 * early stopping says so.
 *
 * @param epochs  full passes, or 0 when not limited by epochs
 * @param steps   optimizer steps (batches, or truncated-BPTT windows), or 0
 * @param time    wall-clock time, checked after every step, or null
 */
public record Budget(int epochs, long steps, Duration time) {

    public Budget {
        if (epochs < 0 || steps < 0 || (epochs == 0 && steps == 0 && time == null) || (epochs > 0 && time != null)) {
            throw new IllegalArgumentException("a budget is epochs >= 1 or a time, either optionally limited by steps >= 1, or steps "
                    + "alone; got epochs=" + epochs + ", steps=" + steps + ", time=" + time);
        }
        if (time != null && (time.isNegative() || time.isZero())) {
            throw new IllegalArgumentException("a time budget must be positive, got " + time);
        }
    }

    public static Budget epochs(int n) {
        return new Budget(n, 0, null);
    }

    public static Budget steps(long n) {
        return new Budget(0, n, null);
    }

    public static Budget minutes(double minutes) {
        if (!(minutes > 0) || Double.isInfinite(minutes)) {
            throw new IllegalArgumentException("minutes must be finite and > 0, got " + minutes);
        }
        return new Budget(0, 0, Duration.ofMillis(Math.max(1, Math.round(minutes * 60_000))));
    }

    public static Budget time(Duration duration) {
        return new Budget(0, 0, duration);
    }

    /** This budget, ending also after {@code n} optimizer steps if that comes first. */
    public Budget orSteps(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("a step limit must be >= 1, got " + n);
        }
        return new Budget(epochs, n, time);
    }

    /** True when {@code stepsTaken} steps or the deadline (System.nanoTime) end training. */
    boolean spent(long stepsTaken, long deadline) {
        return (steps > 0 && stepsTaken >= steps) || System.nanoTime() >= deadline;
    }

    @Override
    public String toString() {
        String limit = epochs > 0 ? epochs + " epoch(s)" : time != null ? time.toString() : "";
        return steps == 0 ? limit : limit.isEmpty() ? steps + " step(s)" : limit + " or " + steps + " step(s)";
    }
}
