package dev.panamarnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.layers.Embedding;
import dev.panamarnn.layers.Linear;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pieces together, as a trainer uses them: embedding + LSTM + linear head in ONE parameter
 * slab with ONE gradient slab, the fused cross-entropy, clipping, the guard and one AdamW loop
 * over the slab. Two token streams that count up and down must be learnt (loss from about ln 6 to
 * near 0), and every tensor of the slab must have been trained.
 */
class WholeModelInOneSlabTest {

    @Test
    void embeddingLstmAndHeadLearnTogether() {
        int vocab = 6, embed = 4, hidden = 24, steps = 8, batch = 2, rows = steps * batch;
        Kernels k = KernelsForTests.nativeKernels();
        RnnConfig config = RnnConfig.builder(CellType.LSTM, embed, hidden).seed(3).build();
        Slab.Layout.Builder b = Slab.Layout.builder();
        Embedding.addParameters(b, "embedding.", vocab, embed);
        Rnn.addParameters(b, config, "rnn.");
        Linear.addParameters(b, "head.", hidden, vocab);
        Slab.Layout layout = b.build();
        try (Slab params = Slab.allocate("parameters", layout); Slab grads = Slab.allocate("gradients", layout);
             Arena arena = Arena.ofConfined()) {
            Embedding embedding = new Embedding(params, grads, "embedding.", vocab, embed, 1);
            Rnn rnn = Rnn.inSlabs(config, k, params, grads, "rnn.");
            Linear head = new Linear(k, params, grads, "head.", hidden, vocab, 2);
            Map<String, float[]> initial = new HashMap<>();
            params.tensors().forEach((name, t) -> initial.put(name, t.toArray()));

            // stream 0 counts up from 0, stream 1 down from 5; time-major ids and next-token targets
            MemorySegment ids = arena.allocate(ValueLayout.JAVA_INT, rows), targets = arena.allocate(ValueLayout.JAVA_INT, rows);
            for (int t = 0; t < steps; t++) {
                ids.setAtIndex(ValueLayout.JAVA_INT, t * batch, t % vocab);
                targets.setAtIndex(ValueLayout.JAVA_INT, t * batch, (t + 1) % vocab);
                ids.setAtIndex(ValueLayout.JAVA_INT, t * batch + 1, Math.floorMod(5 - t, vocab));
                targets.setAtIndex(ValueLayout.JAVA_INT, t * batch + 1, Math.floorMod(4 - t, vocab));
            }
            Tensor x = Tensor.allocate(arena, steps, batch, embed), dOut = Tensor.allocate(arena, steps, batch, hidden);
            MemorySegment logits = arena.allocate((long) rows * vocab * 4), dlogits = arena.allocate((long) rows * vocab * 4);
            NonFiniteGuard guard = new NonFiniteGuard(3);
            double first = 0, last = 0;
            try (Workspace ws = rnn.workspace(steps, batch);
                 AdamW opt = new AdamW(k, params, grads, LearningRateSchedule.constant(0.02).withWarmup(5), 0.9, 0.999, 1e-8, 1e-4)) {
                for (int step = 0; step < 300; step++) {
                    grads.zero();
                    embedding.forward(x.segment(), ids, rows);                                   // (T, B, E)
                    Tensor out = ws.forward(x, null, null, null, true);                          // (T, B, H)
                    head.forward(logits, out.segment(), rows);                                   // (T*B, V)
                    double loss = SoftmaxCrossEntropy.forwardBackward(k, dlogits, logits, targets, null, rows, vocab);
                    head.backward(dOut.segment(), dlogits, out.segment(), rows);
                    ws.backward(dOut, null, null);
                    embedding.backward(ws.inputGradient().segment(), ids, rows);
                    float norm = GradientClipping.clipByGlobalNorm(k, grads, 5.0);
                    if (guard.check(loss, norm, step)) {
                        opt.step();
                    }
                    if (step == 0) {
                        first = loss;
                    }
                    last = loss;
                }
                assertEquals(300, opt.stepCount());
            }
            assertEquals(Math.log(vocab), first, 0.3, "an untrained model is near-uniform");
            assertTrue(last < 0.05, "the two counting streams are learnt: loss " + first + " -> " + last);
            assertEquals(0, guard.totalSkips());
            params.tensors().forEach((name, t) ->
                    assertFalse(java.util.Arrays.equals(initial.get(name), t.toArray()), name + " was trained by the one optimizer loop"));
        }
    }
}
