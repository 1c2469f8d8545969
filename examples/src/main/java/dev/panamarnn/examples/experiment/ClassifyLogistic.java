package dev.panamarnn.examples.experiment;

import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.layers.Linear;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.train.Adam;
import dev.panamarnn.train.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The non-recurrent baseline: multinomial logistic regression on the flattened window,
 * logits = x W^T + b with x the T values of the window, W (C, T), trained with Adam on the mean
 * softmax cross-entropy over minibatches — the library's {@link Linear}, {@link SoftmaxCrossEntropy}
 * and {@link Adam}. It sees every step of the window at once, so it can weigh each position, but it
 * cannot compute anything non-linear of the values (a product, a frequency, "which came first" when
 * that is not a weighted sum).
 */
final class ClassifyLogistic implements ClassifyModel {
    private static final String HEAD = "logistic.";

    private final int steps;
    private final int classes;
    private final int batch;
    private final Kernels kernels;
    private final Slab parameters;
    private final Slab gradients;
    private final Linear linear;
    private final Adam optimizer;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment x;         // (B, T) the flattened windows of a batch
    private final MemorySegment logits;    // (B, C)
    private final MemorySegment dLogits;   // (B, C) dL/dlogits
    private final MemorySegment targets;   // (B) int32 class ids

    ClassifyLogistic(int steps, int classes, int batch, double learningRate, long seed) {
        this.steps = steps;
        this.classes = classes;
        this.batch = batch;
        this.kernels = KernelSelection.selected();
        Slab.Layout.Builder layout = Slab.Layout.builder();
        Linear.addParameters(layout, HEAD, steps, classes);          // weight (C, T), bias (C)
        this.parameters = Slab.allocate("logistic parameters", layout.build());
        this.gradients = Slab.allocate("logistic gradients", parameters.layout());
        this.linear = new Linear(kernels, parameters, gradients, HEAD, steps, classes, seed);
        this.optimizer = new Adam(kernels, parameters, gradients, learningRate);
        this.x = arena.allocate((long) batch * steps * Float.BYTES, 64);
        this.logits = arena.allocate((long) batch * classes * Float.BYTES, 64);
        this.dLogits = arena.allocate((long) batch * classes * Float.BYTES, 64);
        this.targets = arena.allocate((long) batch * Integer.BYTES, 64);
    }

    @Override
    public String name() {
        return "logistic regression on the window";
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public double trainStep(ClassifyTasks.Dataset data, int[] rows) {
        for (int b = 0; b < batch; b++) {
            MemorySegment.copy(data.windows()[rows[b]], 0, x, ValueLayout.JAVA_FLOAT, (long) b * steps * Float.BYTES, steps);
            targets.setAtIndex(ValueLayout.JAVA_INT, b, data.labels()[rows[b]]);
        }
        gradients.zero();
        linear.forward(logits, x, batch);                                                    // (B, C)
        double loss = SoftmaxCrossEntropy.forwardBackward(kernels, dLogits, logits, targets, null, batch, classes);
        linear.backward(null, dLogits, x, batch);                                            // dW += dlogits^T x, db
        return ClassifyModel.clipAndStep(kernels, gradients, optimizer, loss, 5.0);
    }

    @Override
    public int[] predict(ClassifyTasks.Dataset data) {
        int[] predicted = new int[data.size()];
        for (int from = 0; from < data.size(); from += batch) {                             // B at a time
            int n = Math.min(batch, data.size() - from);
            for (int b = 0; b < n; b++) {
                MemorySegment.copy(data.windows()[from + b], 0, x, ValueLayout.JAVA_FLOAT, (long) b * steps * Float.BYTES, steps);
            }
            linear.forward(logits, x, n);                                                    // (n, C)
            for (int b = 0; b < n; b++) {
                predicted[from + b] = ClassifyModel.argmax(logits, b, classes);
            }
        }
        return predicted;
    }

    @Override
    public void close() {
        optimizer.close();
        parameters.close();
        gradients.close();
        arena.close();
    }
}
