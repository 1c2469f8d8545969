package dev.panamarnn.train;

import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An optimizer over a whole model's parameter slab: parameters, gradients and the optimizer's
 * state (moments, momentum) are slabs of one layout, so a step is one flat fused pass over
 * {@link Slab#all()} (DESIGN.md "Memory"); the alignment padding between tensors is zero in all of
 * them and stays zero. One hyperparameter group: weight decay, when set, applies to every tensor.
 * <pre>{@code
 * try (Optimizer opt = new AdamW(kernels, params, grads, LearningRateSchedule.cosine(3e-3, 10_000, 0).withWarmup(100),
 *                                0.9, 0.999, 1e-8, 0.01)) {
 *     ... forward, backward into grads, clip ...
 *     opt.step();                  // the rate of step opt.stepCount() from the schedule
 * }
 * }</pre>
 *
 * <p>Checkpoints: {@link #stepCount()} and the tensors of {@link #stateSlabs()} (named by
 * {@link #stateNames()}, PyTorch's state keys, each slab with the parameters' layout) are the whole
 * state. To resume, copy the saved values into {@link #state(String)} and call
 * {@link #restoreStepCount(long)}: the next steps are then bit-identical to an uninterrupted run
 * (same kernels and thread count). Not thread-safe. Owns its state slabs: {@link #close()} frees
 * them (the parameter and gradient slabs belong to the caller); later use throws
 * {@link IllegalStateException}.
 */
public abstract sealed class Optimizer implements AutoCloseable permits Sgd, AdamFamily {
    private final String name;
    final Kernels kernels;
    private final Slab parameters;
    private final Slab gradients;
    private final List<String> stateNames;
    private final Slab[] state;
    /** Floats in each slab, alignment padding included (it stays zero). */
    final long size;
    private LearningRateSchedule schedule;
    private long stepCount;
    private boolean closed;

    Optimizer(String name, Kernels kernels, Slab parameters, Slab gradients, LearningRateSchedule schedule,
              String... stateNames) {
        this.name = name;
        this.kernels = Segments.unchecked(kernels);
        if (parameters == null || gradients == null) {
            throw new IllegalArgumentException("parameters and gradients are required");
        }
        if (parameters == gradients) {
            throw new IllegalArgumentException("the gradient slab must be another slab than the parameters, got '"
                    + parameters.name() + "' for both");
        }
        requireSameLayout(parameters.layout(), gradients.layout());
        parameters.all();   // open, or IllegalStateException
        gradients.all();
        this.parameters = parameters;
        this.gradients = gradients;
        setSchedule(schedule);
        this.size = parameters.layout().byteSize() / Float.BYTES;
        this.stateNames = List.of(stateNames);
        this.state = new Slab[stateNames.length];
        try {
            for (int i = 0; i < stateNames.length; i++) {
                state[i] = Slab.allocate(name + "." + stateNames[i], parameters.layout());
            }
        } catch (RuntimeException e) {
            for (Slab s : state) {
                if (s != null) {
                    s.close();
                }
            }
            throw e;
        }
    }

    /** Both layouts list the same names and shapes at the same offsets. */
    static void requireSameLayout(Slab.Layout a, Slab.Layout b) {
        boolean same = a.byteSize() == b.byteSize() && a.entries().size() == b.entries().size();
        for (int i = 0; same && i < a.entries().size(); i++) {
            Slab.Layout.Entry x = a.entries().get(i), y = b.entries().get(i);
            same = x.name().equals(y.name()) && Arrays.equals(x.shape(), y.shape()) && x.offset() == y.offset();
        }
        if (!same) {
            throw new IllegalArgumentException("the gradient slab must have the parameter slab's layout: parameters "
                    + a.entries() + ", gradients " + b.entries());
        }
    }

    /** "sgd", "adam" or "adamw". */
    public final String name() {
        return name;
    }

    /**
     * One update of every parameter from the current gradients, with the rate
     * {@code schedule().lr(stepCount())}; then {@link #stepCount()} grows by one.
     * @return the learning rate used
     */
    public final double step() {
        checkOpen();
        double lr = schedule.lr(stepCount);
        if (!(lr >= 0 && lr < Double.POSITIVE_INFINITY)) {
            throw new IllegalStateException("the learning-rate schedule " + schedule + " gave " + lr + " for step " + stepCount
                    + "; it must be finite and >= 0");
        }
        update(lr, stepCount + 1);
        stepCount++;
        return lr;
    }

    /** Applies one update with learning rate {@code lr}; {@code t} is the 1-based number of this step. */
    abstract void update(double lr, long t);

    /** The learning rate the next {@link #step()} will use. */
    public final double learningRate() {
        return schedule.lr(stepCount);
    }

    public final LearningRateSchedule schedule() {
        return schedule;
    }

    /** Replaces the schedule; it is asked for the rate of step {@link #stepCount()} onwards. */
    public final void setSchedule(LearningRateSchedule schedule) {
        if (schedule == null) {
            throw new IllegalArgumentException("the learning-rate schedule is null");
        }
        this.schedule = schedule;
    }

    /** Steps taken so far (PyTorch's {@code state['step']}). */
    public final long stepCount() {
        return stepCount;
    }

    /**
     * Sets the step count of a resumed run, after its state tensors were copied into
     * {@link #stateSlabs()}. A count of 0 means the state is unused so far (SGD's momentum buffer is
     * then taken from the first gradient, as PyTorch does).
     */
    public final void restoreStepCount(long steps) {
        checkOpen();
        if (steps < 0) {
            throw new IllegalArgumentException("step count must be >= 0, got " + steps);
        }
        this.stepCount = steps;
    }

    /** PyTorch's names of the per-parameter state: "exp_avg", "exp_avg_sq"; "momentum_buffer"; or none. */
    public final List<String> stateNames() {
        return stateNames;
    }

    /** The state slab of that name, with the parameters' layout. */
    public final Slab state(String stateName) {
        checkOpen();
        int i = stateNames.indexOf(stateName);
        if (i < 0) {
            throw new IllegalArgumentException(name + " has no state '" + stateName + "'; it has " + stateNames);
        }
        return state[i];
    }

    /** The state slabs in {@link #stateNames()} order (a new array; the slabs are the live state). */
    public final Slab[] stateSlabs() {
        checkOpen();
        return state.clone();
    }

    /** The hyperparameters other than the learning rate, by PyTorch's names, for logs and checkpoints. */
    public abstract Map<String, Object> hyperparameters();

    public final Slab parameters() {
        return parameters;
    }

    public final Slab gradients() {
        return gradients;
    }

    final void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this " + name + " optimizer is closed");
        }
    }

    /** Frees the state slabs; idempotent. */
    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            for (Slab s : state) {
                s.close();
            }
        }
    }

    @Override
    public String toString() {
        return name + hyperparameters() + " lr " + schedule + " at step " + stepCount;
    }

    /** Checks Adam's and AdamW's hyperparameters before any state is allocated; their state names. */
    static String[] adamState(double beta1, double beta2, double eps, double weightDecay) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        Segments.finiteNonNegative("eps", eps);
        Segments.finiteNonNegative("weightDecay", weightDecay);
        return new String[] {"exp_avg", "exp_avg_sq"};
    }
}
