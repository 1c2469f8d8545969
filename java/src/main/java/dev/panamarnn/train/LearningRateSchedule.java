package dev.panamarnn.train;

/**
 * The learning rate of each optimizer step. {@code lr(step)} is the rate of the step taken after
 * {@code step} earlier steps (0 for the first), as PyTorch's schedulers give the rate of epoch
 * {@code step} when {@code scheduler.step()} follows every {@code optimizer.step()}.
 * The factories return records (their toString names the schedule for logs and model metadata);
 * any function of the step works too, e.g. {@code step -> 1e-3 / Math.sqrt(step + 1)}.
 * <pre>{@code
 * LearningRateSchedule.cosine(3e-3, 10_000, 3e-5).withWarmup(200)
 * }</pre>
 */
@FunctionalInterface
public interface LearningRateSchedule {

    /** The learning rate of the step after {@code step} earlier steps (step >= 0). */
    double lr(long step);

    /** This schedule after a linear warm-up of {@code steps} steps (see {@link #warmup}). */
    default LearningRateSchedule withWarmup(long steps) {
        return warmup(steps, this);
    }

    /** The same rate at every step. */
    static LearningRateSchedule constant(double lr) {
        return new Constant(lr);
    }

    /** {@code lr * gamma^floor(step / stepSize)}: PyTorch's StepLR. */
    static LearningRateSchedule stepDecay(double lr, long stepSize, double gamma) {
        return new StepDecay(lr, stepSize, gamma);
    }

    /**
     * Cosine annealing from {@code lr} at step 0 to {@code minLr} at {@code totalSteps}, then
     * {@code minLr}: {@code minLr + (lr - minLr) (1 + cos(pi min(step, T) / T)) / 2} — PyTorch's
     * CosineAnnealingLR(T_max = totalSteps, eta_min = minLr) over its first half period.
     */
    static LearningRateSchedule cosine(double lr, long totalSteps, double minLr) {
        return new Cosine(lr, totalSteps, minLr);
    }

    /**
     * A linear warm-up composed with another schedule: for step < {@code steps} the rate is
     * {@code after.lr(0) * (step + 1) / steps} (so the first step already moves, and step
     * {@code steps - 1} reaches the full rate), then {@code after.lr(step - steps)}: the other
     * schedule's clock starts when the warm-up ends.
     */
    static LearningRateSchedule warmup(long steps, LearningRateSchedule after) {
        return new Warmup(steps, after);
    }

    private static void checkRate(String name, double value) {
        if (!(value >= 0 && value < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
    }

    private static void checkStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
    }

    /** See {@link #constant}. */
    record Constant(double lr) implements LearningRateSchedule {
        public Constant {
            checkRate("lr", lr);
        }

        @Override
        public double lr(long step) {
            checkStep(step);
            return lr;
        }
    }

    /** See {@link #stepDecay}. */
    record StepDecay(double lr, long stepSize, double gamma) implements LearningRateSchedule {
        public StepDecay {
            checkRate("lr", lr);
            if (stepSize < 1) {
                throw new IllegalArgumentException("stepSize must be >= 1, got " + stepSize);
            }
            checkRate("gamma", gamma);
        }

        @Override
        public double lr(long step) {
            checkStep(step);
            return lr * Math.pow(gamma, (double) (step / stepSize));
        }
    }

    /** See {@link #cosine}. */
    record Cosine(double lr, long totalSteps, double minLr) implements LearningRateSchedule {
        public Cosine {
            checkRate("lr", lr);
            checkRate("minLr", minLr);
            if (totalSteps < 1) {
                throw new IllegalArgumentException("totalSteps must be >= 1, got " + totalSteps);
            }
        }

        @Override
        public double lr(long step) {
            checkStep(step);
            double progress = (double) Math.min(step, totalSteps) / totalSteps;
            return minLr + (lr - minLr) * (1 + Math.cos(Math.PI * progress)) / 2;
        }
    }

    /** See {@link #warmup}. */
    record Warmup(long steps, LearningRateSchedule after) implements LearningRateSchedule {
        public Warmup {
            if (steps < 0) {
                throw new IllegalArgumentException("warm-up steps must be >= 0, got " + steps);
            }
            if (after == null) {
                throw new IllegalArgumentException("the schedule after the warm-up is null");
            }
        }

        @Override
        public double lr(long step) {
            checkStep(step);
            return step < steps ? after.lr(0) * (step + 1) / steps : after.lr(step - steps);
        }
    }
}
