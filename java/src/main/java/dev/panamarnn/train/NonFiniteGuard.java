package dev.panamarnn.train;

/**
 * Skips optimizer steps whose loss or gradient norm is NaN or infinite, counts them, and stops
 * training when too many come in a row. The trainer asks before each optimizer step:
 * <pre>{@code
 * if (guard.check(loss, gradientNorm, step)) {
 *     optimizer.step();
 * }   // else: the step is skipped (gradients are zeroed before the next one as usual)
 * }</pre>
 * With {@code maxConsecutiveSkips} = k, up to k non-finite steps in a row are skipped; the
 * (k+1)-th in a row throws {@link NonFiniteTrainingException}. A finite step resets the run.
 * Not thread-safe (one per training loop).
 */
public final class NonFiniteGuard {
    private final int maxConsecutiveSkips;
    private int consecutiveSkips;
    private long totalSkips;

    /** @param maxConsecutiveSkips non-finite steps in a row that are skipped before training stops (>= 0) */
    public NonFiniteGuard(int maxConsecutiveSkips) {
        if (maxConsecutiveSkips < 0) {
            throw new IllegalArgumentException("maxConsecutiveSkips must be >= 0, got " + maxConsecutiveSkips);
        }
        this.maxConsecutiveSkips = maxConsecutiveSkips;
    }

    /** True when both numbers are finite. */
    public static boolean isFinite(double loss, double gradientNorm) {
        return Double.isFinite(loss) && Double.isFinite(gradientNorm);
    }

    /**
     * Whether the optimizer may take this step.
     * @param step the step's number, for the message
     * @return true if loss and gradient norm are finite; false if this step must be skipped
     * @throws NonFiniteTrainingException when this makes more than maxConsecutiveSkips non-finite steps in a row
     */
    public boolean check(double loss, double gradientNorm, long step) {
        if (isFinite(loss, gradientNorm)) {
            consecutiveSkips = 0;
            return true;
        }
        consecutiveSkips++;
        totalSkips++;
        if (consecutiveSkips > maxConsecutiveSkips) {
            throw new NonFiniteTrainingException(consecutiveSkips, step, loss, gradientNorm, maxConsecutiveSkips);
        }
        return false;
    }

    /** Non-finite steps in the current run (0 after a finite step). */
    public int consecutiveSkips() {
        return consecutiveSkips;
    }

    /** All skipped steps so far. */
    public long totalSkips() {
        return totalSkips;
    }

    public int maxConsecutiveSkips() {
        return maxConsecutiveSkips;
    }
}
