package dev.panamarnn.train;

import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;

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
public final class Adam extends AdamFamily {
    /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay none, constant lr. */
    public Adam(Kernels kernels, Slab parameters, Slab gradients, double lr) {
        this(kernels, parameters, gradients, LearningRateSchedule.constant(lr), 0.9, 0.999, 1e-8, 0);
    }

    public Adam(Kernels kernels, Slab parameters, Slab gradients, LearningRateSchedule schedule,
            double beta1, double beta2, double eps, double weightDecay) {
        super("adam", false, kernels, parameters, gradients, schedule, beta1, beta2, eps, weightDecay);
    }
}
