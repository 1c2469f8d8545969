package dev.panamarnn.model;

import java.time.Duration;

/**
 * How long {@link Trainer#fit} trains: a number of epochs (passes over the training data), of
 * optimizer steps, or a wall-clock time — whichever is given; training also ends earlier when
 * early stopping says so.
 *
 * @param epochs  full passes, or 0 when another limit is used
 * @param steps   optimizer steps (batches), or 0
 * @param time    wall-clock time, checked after every step, or null
 */
public record Budget(int epochs, long steps, Duration time) {

    public Budget {
        int given = (epochs > 0 ? 1 : 0) + (steps > 0 ? 1 : 0) + (time != null ? 1 : 0);
        if (epochs < 0 || steps < 0 || given != 1) {
            throw new IllegalArgumentException("a budget is exactly one of epochs >= 1, steps >= 1 or a time, got epochs=" + epochs
                    + ", steps=" + steps + ", time=" + time);
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

    @Override
    public String toString() {
        return epochs > 0 ? epochs + " epoch(s)" : steps > 0 ? steps + " step(s)" : time.toString();
    }
}
