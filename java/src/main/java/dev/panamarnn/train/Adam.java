package dev.panamarnn.train;

import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * torch.optim.Adam (amsgrad off): with the 1-based step t,
 * <pre>
 *   g = grad + weight_decay * theta                      (L2 penalty, when weight_decay != 0)
 *   m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2
 *   theta -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * in PyTorch's order of operations, one fused pass over the slab ({@link Kernels#adamStep}).
 * State: "exp_avg" (m), "exp_avg_sq" (v). See {@link Optimizer} for checkpoints.
 */
public final class Adam extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;

    /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay, constant lr. */
    public Adam(Kernels kernels, Slab parameters, Slab gradients, double lr) {
        this(kernels, parameters, gradients, LearningRateSchedule.constant(lr), 0.9, 0.999, 1e-8, 0);
    }

    public Adam(Kernels kernels, Slab parameters, Slab gradients, LearningRateSchedule schedule,
                double beta1, double beta2, double eps, double weightDecay) {
        super("adam", kernels, parameters, gradients, schedule, adamState(beta1, beta2, eps, weightDecay));
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    void update(double lr, long t) {
        kernels.adamStep(parameters().all(), state("exp_avg").all(), state("exp_avg_sq").all(), gradients().all(),
                lr, beta1, beta2, eps, weightDecay, false, 1 - Math.pow(beta1, t), 1 - Math.pow(beta2, t), size);
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double eps() {
        return eps;
    }

    public double weightDecay() {
        return weightDecay;
    }

    @Override
    public Map<String, Object> hyperparameters() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("betas", List.of(beta1, beta2));
        h.put("eps", eps);
        h.put("weight_decay", weightDecay);
        return h;
    }
}
