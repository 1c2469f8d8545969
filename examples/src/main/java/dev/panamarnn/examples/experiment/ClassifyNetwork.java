package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.layers.Linear;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.Adam;
import dev.panamarnn.train.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The sequence-to-one recurrent classifier: the window x_0 .. x_{T-1} (one feature a step) ->
 * recurrent stack (1 -> H, L layers) -> the last layer's final hidden state h_T -> linear head
 * (H -> C) -> softmax cross-entropy. Backward: dL/dlogits -> head -> dL/dh_T, passed to BPTT as
 * the gradient of the final state (the outputs of the earlier steps get no gradient).
 * Parameters "rnn.*" and "head.*" in one slab; Adam with gradient clipping at norm 1.
 */
final class ClassifyNetwork implements ClassifyModel {
    private static final String RNN = "rnn.";
    private static final String HEAD = "head.";

    private final CellType cell;
    private final int hidden;
    private final int layers;
    private final int steps;
    private final int classes;
    private final int batch;
    private final Kernels kernels;
    private final Slab parameters;
    private final Slab gradients;
    private final Rnn rnn;
    private final Linear head;
    private final Adam optimizer;
    private final Workspace workspace;
    private final Arena arena = Arena.ofConfined();
    private final Tensor x;                // (T, B, 1) time-major windows of a batch
    private final Tensor dOutput;          // (T, B, H) zeros: no gradient enters at the step outputs
    private final Tensor dFinal;           // (L, B, H) dL/dh_n: only the last layer's slice is non-zero
    private final MemorySegment dLast;     // (B, H) that slice, written by the head's backward
    private final MemorySegment logits;    // (B, C)
    private final MemorySegment dLogits;   // (B, C)
    private final MemorySegment targets;   // (B) int32 class ids

    ClassifyNetwork(CellType cell, int hidden, int layers, int steps, int classes, int batch, double learningRate, long seed) {
        this.cell = cell;
        this.hidden = hidden;
        this.layers = layers;
        this.steps = steps;
        this.classes = classes;
        this.batch = batch;
        this.kernels = Kernels.selected();
        RnnConfig config = RnnConfig.builder(cell, 1, hidden).layers(layers).seed(seed).build();
        Slab.Layout.Builder layout = Slab.Layout.builder();
        Rnn.addParameters(layout, config, RNN);
        Linear.addParameters(layout, HEAD, hidden, classes);                  // weight (C, H), bias (C)
        this.parameters = Slab.allocate("classifier parameters", layout.build());
        this.gradients = Slab.allocate("classifier gradients", parameters.layout());
        this.rnn = Rnn.inSlabs(config, kernels, parameters, gradients, RNN);
        this.head = new Linear(kernels, parameters, gradients, HEAD, hidden, classes, seed + 1);
        this.optimizer = new Adam(kernels, parameters, gradients, learningRate);
        this.workspace = rnn.workspace(steps, batch);
        this.x = Tensor.allocate(arena, steps, batch, 1);
        this.dOutput = Tensor.allocate(arena, steps, batch, hidden);
        this.dFinal = Tensor.allocate(arena, layers, batch, hidden);
        this.dLast = dFinal.slice(layers - 1).segment();
        this.logits = arena.allocate((long) batch * classes * Float.BYTES, 64);
        this.dLogits = arena.allocate((long) batch * classes * Float.BYTES, 64);
        this.targets = arena.allocate((long) batch * Integer.BYTES, 64);
    }

    @Override
    public String name() {
        return cell.id() + " (H=" + hidden + (layers > 1 ? ", L=" + layers : "") + ")";
    }

    @Override
    public int batch() {
        return batch;
    }

    /** h_T of the last layer after a forward pass: (B, H). */
    private MemorySegment lastHidden() {
        return workspace.finalHidden().slice(layers - 1).segment();
    }

    private void load(ClassifyTasks.Dataset data, int from, int n) {
        for (int b = 0; b < batch; b++) {
            float[] window = data.windows()[from + Math.min(b, n - 1)];       // rows past n repeat the last (ignored)
            for (int t = 0; t < steps; t++) {
                x.set((long) t * batch + b, window[t]);                       // x[t, b, 0]
            }
        }
    }

    @Override
    public double trainStep(ClassifyTasks.Dataset data, int[] rows) {
        for (int b = 0; b < batch; b++) {
            float[] window = data.windows()[rows[b]];
            for (int t = 0; t < steps; t++) {
                x.set((long) t * batch + b, window[t]);
            }
            targets.setAtIndex(ValueLayout.JAVA_INT, b, data.labels()[rows[b]]);
        }
        gradients.zero();
        workspace.forward(x, null, null, null, true);
        MemorySegment h = lastHidden();                                          // (B, H)
        head.forward(logits, h, batch);                                         // (B, C)
        double loss = SoftmaxCrossEntropy.forwardBackward(kernels, dLogits, logits, targets, null, batch, classes);
        head.backward(dLast, dLogits, h, batch);                                // dL/dh_T = dlogits W
        workspace.backward(dOutput, dFinal, null);                              // BPTT from the final state
        return ClassifyModel.clipAndStep(kernels, gradients, optimizer, loss, 1.0);
    }

    @Override
    public MemorySegment logits(ClassifyTasks.Dataset data, int from, int n) {
        load(data, from, n);
        workspace.forward(x, null, null, null, false);
        head.forward(logits, lastHidden(), batch);                              // (B, C)
        return logits;
    }

    @Override
    public void close() {
        workspace.close();
        optimizer.close();
        rnn.close();
        parameters.close();
        gradients.close();
        arena.close();
    }
}
