package dev.panamarnn.guards;

import static dev.panamarnn.guards.Guards.check;
import static dev.panamarnn.guards.Guards.expect;
import static dev.panamarnn.guards.Guards.ok;
import static dev.panamarnn.guards.KernelCases.floats;

import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.layers.Linear;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.Adam;
import dev.panamarnn.train.AdamW;
import dev.panamarnn.train.GradientClipping;
import dev.panamarnn.train.LearningRateSchedule;
import dev.panamarnn.train.Optimizer;
import dev.panamarnn.train.Sgd;
import dev.panamarnn.train.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The training pieces that call the kernels: Linear (GEMM/GEMV), SoftmaxCrossEntropy (fused
 * native kernel), the optimizers (one native pass over the slab), gradient clipping (snrm2/sscal).
 */
final class TrainingCases {
    private TrainingCases() {}

    static Slab.Layout linearLayout(int in, int out) {
        Slab.Layout.Builder b = Slab.Layout.builder();
        Linear.addParameters(b, "head.", in, out);
        return b.build();
    }

    static List<GuardCase> all(Kernels k) {
        return List.of(
            new GuardCase("linear construction", () -> {
                try (Slab p = Slab.allocate("p", linearLayout(3, 2)); Slab g = Slab.allocate("g", linearLayout(3, 2));
                     Slab wrong = Slab.allocate("w", linearLayout(2, 3))) {
                    expect(IllegalArgumentException.class, () -> new Linear(null, p, g, "head.", 3, 2, 0), "kernels is null");
                    expect(IllegalArgumentException.class, () -> new Linear(k, p, g, "head.", 0, 2, 0), "in must be >= 1, got 0");
                    expect(IllegalArgumentException.class, () -> new Linear(k, p, null, "head.", 3, 2, 0), "slab for 'head.weight' is null");
                    expect(IllegalArgumentException.class, () -> new Linear(k, p, wrong, "head.", 3, 2, 0),
                            "'head.weight' in slab 'w' must have shape [2, 3], got [3, 2]");
                    expect(IllegalArgumentException.class, () -> new Linear(k, p, g, "tail.", 3, 2, 0), "has no tensor 'tail.weight'");
                }
            }),
            new GuardCase("linear forward and backward", () -> {
                try (Slab p = Slab.allocate("p", linearLayout(3, 2)); Slab g = Slab.allocate("g", linearLayout(3, 2));
                     Arena arena = Arena.ofConfined()) {
                    Linear lin = new Linear(k, p, g, "head.", 3, 2, 0);
                    MemorySegment x = floats(arena, 12), y = floats(arena, 8);
                    ok(() -> lin.forward(y, x, 4));
                    ok(() -> lin.forward(y.asSlice(0, 8), x, 1));
                    expect(IllegalArgumentException.class, () -> lin.forward(y, x, 5), "x (N, in) needs 15 elements (60 bytes), got a segment of 48 bytes");
                    expect(IllegalArgumentException.class, () -> lin.forward(y.asSlice(0, 28), x, 4), "y (N, out) needs 8 elements");
                    expect(IllegalArgumentException.class, () -> lin.forward(y, x, -1), "rows must be >= 0, got -1");
                    expect(IllegalArgumentException.class, () -> lin.forward(y, x, Integer.MAX_VALUE), "x (N, in) needs 6442450941 elements");
                    expect(IllegalArgumentException.class, () -> lin.forward(x, x, 2), "y (N, out) and x (N, in) must not overlap");
                    expect(IllegalArgumentException.class, () -> lin.forward(y.asReadOnly(), x, 4), "y (N, out)", "read-only");
                    expect(IllegalArgumentException.class, () -> lin.forward(MemorySegment.ofArray(new float[8]), x, 4),
                            "y (N, out) must be an off-heap segment");
                    expect(IllegalArgumentException.class, () -> lin.backward(floats(arena, 12), y, x, 5), "dy (N, out) needs 10 elements");
                    expect(IllegalArgumentException.class, () -> lin.backward(y, y, x, 2), "dx (N, in) and dy (N, out) must not overlap");
                    expect(IllegalArgumentException.class, () -> lin.backward(floats(arena, 12).asReadOnly(), y, x, 4), "dx (N, in)", "read-only");
                    ok(() -> lin.backward(null, y, x, 4));
                    Tensor tx = Tensor.allocate(arena, 4, 3), ty = Tensor.allocate(arena, 4, 2);
                    ok(() -> lin.forward(ty, tx));
                    expect(IllegalArgumentException.class, () -> lin.forward(Tensor.allocate(arena, 4, 3), Tensor.allocate(arena, 4, 2)),
                            "x must be (N, 3) and y (N, 2) with the same N, got [4, 2] and [4, 3]");
                    expect(IllegalArgumentException.class, () -> lin.forward(Tensor.allocate(arena, 5, 2), tx),
                            "x must be (N, 3) and y (N, 2) with the same N, got [4, 3] and [5, 2]");
                    expect(IllegalArgumentException.class, () -> lin.forward(null, tx), "y is null");
                    expect(IllegalArgumentException.class, () -> lin.backward(Tensor.allocate(arena, 4, 2), ty, tx),
                            "dx must have x's 12 elements, got 8");
                    expect(IllegalArgumentException.class, () -> lin.backward(null, null, tx), "dy is null");
                }
            }),
            new GuardCase("linear after its slabs are closed", () -> {
                Slab p = Slab.allocate("p", linearLayout(3, 2)), g = Slab.allocate("g", linearLayout(3, 2));
                Linear lin = new Linear(k, p, g, "head.", 3, 2, 0);
                p.close();
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment x = floats(arena, 12), y = floats(arena, 8);
                    expect(IllegalStateException.class, () -> lin.forward(y, x, 4), "head.", "closed");
                    g.close();
                    expect(IllegalStateException.class, () -> lin.backward(null, y, x, 4), "head.", "closed");
                }
            }),
            new GuardCase("softmax cross-entropy front door", () -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment logits = floats(arena, 12), d = floats(arena, 12), targets = arena.allocate(4L * 3), mask = floats(arena, 3);
                    ok(() -> SoftmaxCrossEntropy.forwardBackward(k, d, logits, targets, null, 3, 4));
                    ok(() -> SoftmaxCrossEntropy.forwardBackward(k, logits, logits, targets, null, 3, 4));   // in place
                    expect(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forward(null, logits, targets, null, 3, 4), "kernels is null");
                    expect(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forward(k, logits, targets, null, -3, 4), "rows must be >= 0, got -3");
                    expect(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forward(k, logits, targets, null, 3, 0), "vocab must be >= 1, got 0");
                    expect(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forward(k, logits, targets, null, 1 << 30, 1 << 30),
                            "logits (N, V) needs 1152921504606846976 elements");
                    expect(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forwardBackward(k, d.asSlice(0, 44), logits, targets, null, 3, 4),
                            "dlogits (N, V) needs 12 elements");
                    expect(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forwardBackward(k, d.asReadOnly(), logits, targets, null, 3, 4),
                            "dlogits (N, V)", "read-only");
                    expect(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forwardBackward(k, d, floats(arena, 4).asReadOnly(),
                            logits, targets, null, 3, 4), "rowLosses (N)", "read-only");
                    MemorySegment wide = floats(arena, 16);
                    expect(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forwardBackward(k, wide.asSlice(8), wide, targets, null, 3, 4),
                            "dlogits (N, V) must be logits (N, V) itself or not overlap it");
                    targets.setAtIndex(ValueLayout.JAVA_INT, 2, 7);
                    expect(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forwardBackward(k, d, logits, targets, null, 3, 4),
                            "targets[2] must be a class id in [0, 4), got 7");
                    mask.fill((byte) 0);
                    mask.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 1f);
                    ok(() -> SoftmaxCrossEntropy.forwardBackward(k, d, logits, targets, mask, 3, 4));   // row 2 masked: its target is not read
                    mask.setAtIndex(ValueLayout.JAVA_FLOAT, 1, -1f);
                    expect(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forwardBackward(k, d, logits, targets, mask, 3, 4),
                            "mask[1] must be finite and >= 0, got -1.0");
                    mask.setAtIndex(ValueLayout.JAVA_FLOAT, 1, Float.POSITIVE_INFINITY);
                    expect(IllegalArgumentException.class, () -> SoftmaxCrossEntropy.forward(k, logits, targets, mask, 3, 4),
                            "mask[1] must be finite and >= 0, got Infinity");
                    MemorySegment closed;
                    try (Arena gone = Arena.ofConfined()) {
                        closed = floats(gone, 12);
                    }
                    expect(IllegalStateException.class, () -> SoftmaxCrossEntropy.forward(k, closed, targets, null, 3, 4),
                            "logits (N, V) is a segment whose arena is closed");
                }
            }),
            new GuardCase("softmax cross-entropy all rows masked and NaN logits", () -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment logits = floats(arena, 12), d = floats(arena, 12), targets = arena.allocate(4L * 3), mask = floats(arena, 3);
                    double loss = SoftmaxCrossEntropy.forwardBackward(k, d, logits, targets, mask, 3, 4);
                    check(loss == 0 && java.util.Arrays.equals(d.toArray(ValueLayout.JAVA_FLOAT), new float[12]),
                            "every row masked: loss and gradient 0 (documented), got " + loss);
                    logits.setAtIndex(ValueLayout.JAVA_FLOAT, 5, Float.NaN);
                    double nan = SoftmaxCrossEntropy.forwardBackward(k, d, logits, targets, null, 3, 4);
                    check(Double.isNaN(nan), "a NaN logit gives a NaN loss (not an exception, not a crash), got " + nan);
                }
            }),
            new GuardCase("optimizers construction", () -> {
                try (Slab p = Slab.allocate("p", linearLayout(3, 2)); Slab g = Slab.allocate("g", linearLayout(3, 2));
                     Slab other = Slab.allocate("o", linearLayout(2, 3))) {
                    expect(IllegalArgumentException.class, () -> new Adam(k, p, other, 0.1),
                            "the gradient slab must have the parameter slab's layout");
                    expect(IllegalArgumentException.class, () -> new Sgd(k, null, g, 0.1), "parameters and gradients are required");
                    expect(IllegalArgumentException.class, () -> new Adam(k, p, p, 0.1),
                            "the gradient slab must be another slab than the parameters, got 'p' for both");
                    expect(IllegalArgumentException.class, () -> new Sgd(null, p, g, 0.1), "kernels is null");
                    expect(IllegalArgumentException.class, () -> new Adam(k, p, g, Double.NaN), "lr must be finite and >= 0, got NaN");
                    expect(IllegalArgumentException.class, () -> new Adam(k, p, g, LearningRateSchedule.constant(0.1), 0.9, 1.0, 1e-8, 0),
                            "betas must be in [0, 1), got (0.9, 1.0)");
                    expect(IllegalArgumentException.class, () -> new AdamW(k, p, g, LearningRateSchedule.constant(0.1), 0.9, 0.999, Double.NaN, 0),
                            "eps must be finite and >= 0, got NaN");
                    expect(IllegalArgumentException.class, () -> new Sgd(k, p, g, LearningRateSchedule.constant(0.1), 0, 0, 0, true),
                            "Nesterov momentum requires a momentum > 0");
                    expect(IllegalArgumentException.class, () -> new Sgd(k, p, g, null, 0, 0, 0, false), "the learning-rate schedule is null");
                }
                Slab closedP = Slab.allocate("p", linearLayout(3, 2));
                closedP.close();
                try (Slab g = Slab.allocate("g", linearLayout(3, 2))) {
                    expect(IllegalStateException.class, () -> new Adam(k, closedP, g, 0.1), "slab 'p' is closed");
                }
            }),
            new GuardCase("optimizers use after close", () -> {
                Slab p = Slab.allocate("p", linearLayout(3, 2)), g = Slab.allocate("g", linearLayout(3, 2));
                Optimizer adam = new Adam(k, p, g, 0.1);
                Optimizer sgd = new Sgd(k, p, g, LearningRateSchedule.constant(0.1), 0.9, 0, 0, false);
                ok(adam::step);
                ok(sgd::step);
                expect(IllegalArgumentException.class, () -> adam.state("momentum_buffer"), "adam has no state 'momentum_buffer'");
                expect(IllegalArgumentException.class, () -> adam.restoreStepCount(-1), "step count must be >= 0, got -1");
                Optimizer bad = new Sgd(k, p, g, step -> Double.NaN, 0, 0, 0, false);
                expect(IllegalStateException.class, bad::step, "gave NaN for step 0; it must be finite and >= 0");
                adam.close();
                expect(IllegalStateException.class, adam::step, "this adam optimizer is closed");
                expect(IllegalStateException.class, () -> adam.state("exp_avg"), "this adam optimizer is closed");
                g.close();
                expect(IllegalStateException.class, sgd::step, "slab 'g' is closed");
                p.close();
                sgd.close();
                bad.close();
            }),
            new GuardCase("gradient clipping", () -> {
                try (Slab g = Slab.allocate("g", linearLayout(3, 2))) {
                    expect(IllegalArgumentException.class, () -> GradientClipping.globalNorm(null, g), "kernels is null");
                    expect(IllegalArgumentException.class, () -> GradientClipping.globalNorm(k, null), "gradients", "null");
                    expect(IllegalArgumentException.class, () -> GradientClipping.clipByGlobalNorm(k, null, 1), "gradients", "null");
                    expect(IllegalArgumentException.class, () -> GradientClipping.clipByValue(null, 1), "gradients", "null");
                    expect(IllegalArgumentException.class, () -> GradientClipping.clipByGlobalNorm(k, g, 0), "maxNorm must be finite and > 0, got 0.0");
                    expect(IllegalArgumentException.class, () -> GradientClipping.clipByGlobalNorm(k, g, Double.NaN), "maxNorm must be finite and > 0, got NaN");
                    expect(IllegalArgumentException.class, () -> GradientClipping.clipByGlobalNorm(k, g, Double.POSITIVE_INFINITY),
                            "maxNorm must be finite and > 0, got Infinity");
                    expect(IllegalArgumentException.class, () -> GradientClipping.clipByValue(g, -1), "clipValue must be finite and >= 0, got -1.0");
                    // documented: a non-finite norm is returned and the gradients are left alone
                    Tensor w = g.get("head.weight");
                    w.fill(100f);
                    w.set(2, Float.NaN);
                    float nan = GradientClipping.clipByGlobalNorm(k, g, 1.0);
                    check(Float.isNaN(nan) && w.get(0) == 100f, "NaN gradient: norm NaN and gradients untouched, got " + nan + ", " + w.get(0));
                    w.set(2, Float.POSITIVE_INFINITY);
                    float inf = GradientClipping.clipByGlobalNorm(k, g, 1.0);
                    check(inf == Float.POSITIVE_INFINITY && w.get(0) == 100f, "infinite gradient: norm Inf and gradients untouched, got " + inf);
                    w.set(2, Float.NaN);
                    GradientClipping.clipByValue(g, 1.0);
                    check(Float.isNaN(w.get(2)) && w.get(0) == 1f, "clipByValue: NaN stays NaN, others clamped");
                }
                Slab closed = Slab.allocate("g", linearLayout(3, 2));
                closed.close();
                expect(IllegalStateException.class, () -> GradientClipping.globalNorm(k, closed), "slab 'g' is closed");
                expect(IllegalStateException.class, () -> GradientClipping.clipByValue(closed, 1), "slab 'g' is closed");
            })
        );
    }
}
