package dev.panamarnn.train;

import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * torch.optim.SGD:
 * <pre>
 *   d = grad + weight_decay * theta                      (when weight_decay != 0)
 *   momentum != 0:  buf = d on the first step, else momentum buf + (1 - dampening) d
 *                   d = nesterov ? d + momentum buf : buf
 *   theta -= lr d
 * </pre>
 * in PyTorch's order of operations, one fused pass over the slab ({@link Kernels#sgdStep}).
 * State: "momentum_buffer" when momentum != 0, else none. See {@link Optimizer} for checkpoints.
 */
public final class Sgd extends Optimizer {
    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;

    /** Plain SGD (no momentum, no weight decay) with a constant rate. */
    public Sgd(Kernels kernels, Slab parameters, Slab gradients, double lr) {
        this(kernels, parameters, gradients, LearningRateSchedule.constant(lr), 0, 0, 0, false);
    }

    /** Nesterov momentum needs momentum > 0 and dampening 0 (as PyTorch requires). */
    public Sgd(Kernels kernels, Slab parameters, Slab gradients, LearningRateSchedule schedule,
               double momentum, double dampening, double weightDecay, boolean nesterov) {
        super("sgd", kernels, parameters, gradients, schedule, stateNames(momentum, dampening, weightDecay, nesterov));
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    /** Checks the hyperparameters before any state is allocated; the state is a momentum buffer if momentum != 0. */
    private static String[] stateNames(double momentum, double dampening, double weightDecay, boolean nesterov) {
        Segments.finiteNonNegative("momentum", momentum);
        Segments.finiteNonNegative("dampening", dampening);
        Segments.finiteNonNegative("weightDecay", weightDecay);
        if (nesterov && (momentum == 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum > 0 and zero dampening, got momentum "
                    + momentum + ", dampening " + dampening);
        }
        return momentum != 0 ? new String[] {"momentum_buffer"} : new String[0];
    }

    @Override
    void update(double lr, long t) {
        MemorySegment buffer = momentum != 0 ? state("momentum_buffer").all() : MemorySegment.NULL;
        kernels.sgdStep(parameters().all(), buffer, gradients().all(), lr, momentum, dampening, weightDecay, nesterov,
                t == 1, size);
    }

    public double momentum() {
        return momentum;
    }

    public double dampening() {
        return dampening;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public boolean nesterov() {
        return nesterov;
    }

    @Override
    public Map<String, Object> hyperparameters() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("momentum", momentum);
        h.put("dampening", dampening);
        h.put("weight_decay", weightDecay);
        h.put("nesterov", nesterov);
        return h;
    }
}
