package dev.panamarnn.train;

import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link Adam} and {@link AdamW} share: the moments "exp_avg" (m) and "exp_avg_sq" (v), the
 * hyperparameters, and one fused pass over the slab per step ({@link Kernels#adamStep}); they differ
 * only in how weight decay enters (through the gradient, or decoupled).
 */
public abstract sealed class AdamFamily extends Optimizer permits Adam, AdamW {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;

    AdamFamily(String name, boolean decoupled, Kernels kernels, Slab parameters, Slab gradients,
               LearningRateSchedule schedule, double beta1, double beta2, double eps, double weightDecay) {
        super(name, kernels, parameters, gradients, schedule, adamState(beta1, beta2, eps, weightDecay));
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    @Override
    final void update(double lr, long t) {
        kernels.adamStep(parameters().all(), state("exp_avg").all(), state("exp_avg_sq").all(), gradients().all(),
                lr, beta1, beta2, eps, weightDecay, decoupled, 1 - Math.pow(beta1, t), 1 - Math.pow(beta2, t), size);
    }

    public final double beta1() {
        return beta1;
    }

    public final double beta2() {
        return beta2;
    }

    public final double eps() {
        return eps;
    }

    public final double weightDecay() {
        return weightDecay;
    }

    @Override
    public final Map<String, Object> hyperparameters() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("betas", List.of(beta1, beta2));
        h.put("eps", eps);
        h.put("weight_decay", weightDecay);
        return h;
    }
}
