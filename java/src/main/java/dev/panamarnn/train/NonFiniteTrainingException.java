package dev.panamarnn.train;

/** Training stopped because too many steps in a row had a NaN or infinite loss or gradient norm. */
public final class NonFiniteTrainingException extends RuntimeException {
    private final int consecutiveSkips;
    private final long step;

    NonFiniteTrainingException(int consecutiveSkips, long step, double loss, double gradientNorm, int allowed) {
        super("training stopped at step " + step + ": the loss or the gradient norm was not finite for " + consecutiveSkips
                + " steps in a row (at most " + allowed + " may be skipped; last loss " + loss + ", gradient norm "
                + gradientNorm + "). Lower the learning rate, clip the gradients by global norm, or check the data for NaN/inf.");
        this.consecutiveSkips = consecutiveSkips;
        this.step = step;
    }

    public int consecutiveSkips() {
        return consecutiveSkips;
    }

    /** The step at which training stopped. */
    public long step() {
        return step;
    }
}
