package dev.panamarnn.seq2seq;

import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.GradientClipping;
import dev.panamarnn.train.Optimizer;
import dev.panamarnn.train.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One teacher-forced forward and backward pass of a {@link Seq2Seq} for batches of exactly B rows,
 * sources padded to S steps and targets padded to T steps: the encoder's workspace (S, B), one
 * decoder workspace (1, B) per target step (each keeps its step's activations for BPTT) and every
 * buffer around them, allocated once. Nothing is allocated inside the step loops.
 * <pre>
 *   forward   E_src gather -> encoder Workspace.forward (lengths) -> keys = enc W_a^T (one GEMM)
 *             -> decoder state h0 = encoder h_n (directions concatenated per layer)
 *             -> per step t: x_t = [E_tgt(y_{t-1}); ctx_{t-1}] -> decoder step (T=1 workspace)
 *                -> scores h_t . keys_s (s < length) -> softmax a_t -> ctx_t = sum_s a_ts enc_s
 *             -> logits = W_o [h; ctx] + b_o over all T*B rows (one GEMM)
 *   loss      softmax cross-entropy, mean over the real target steps (padded steps masked)
 *   backward  the mirror: output layer (one GEMM) -> per step t = T-1..0: attention backward ->
 *             decoder step backward (dOutput = dh_t, dh_n from step t+1) -> its dx splits into
 *             dE_tgt and dctx_{t-1} -> bridge -> dW_a, d enc (two GEMMs) -> encoder
 *             Workspace.backward (d output, dh_n) -> E_src scatter-add
 * </pre>
 * Parameter gradients are added into the model's gradient slab (the caller zeroes it). One thread.
 */
public final class Seq2SeqPass implements AutoCloseable {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    private final Seq2Seq model;
    private final Kernels kernels;
    private final int sourceSteps;      // S
    private final int targetSteps;      // T
    private final int batch;            // B
    private final int e;                // E
    private final int c;                // C = D*H
    private final int h;                // H (encoder)
    private final int d;                // D
    private final int layers;           // L
    private final int vocab;            // Vt
    private final boolean lstm;
    private final Arena arena = Arena.ofShared();
    private final Workspace encoder;
    private final Workspace[] steps;    // (T) decoder workspaces (1, B)
    private final MemorySegment sourceIds;   // (S, B) int32
    private final int[] sourceLengths;       // (B)
    private final int[] targetLengths;       // (B)
    private final Tensor sourceX;            // (S, B, E)
    private final MemorySegment inputIds;    // (T, B) int32 y_{t-1} (bos at t = 0)
    private final MemorySegment targetIds;   // (T, B) int32 y_t
    private final MemorySegment mask;        // (T, B) 1 at real target steps
    private final MemorySegment embedded;    // (T, B, E) E_tgt(y_{t-1})
    private final Tensor[] decoderX;         // (T) each (1, B, E + C)
    private final Tensor h0;                 // (L, B, C) decoder's initial state
    private final Tensor c0;                 // (L, B, C) LSTM
    private final MemorySegment keys;        // (S, B, C) W_a enc_s
    private final MemorySegment weights;     // (T, B, S) attention weights a_t
    private final MemorySegment cat;         // (T, B, 2C) [h_t; ctx_t]
    private final MemorySegment logits;      // (T, B, V)
    private final MemorySegment dLogits;     // (T, B, V)
    private final MemorySegment dCat;        // (T, B, 2C)
    private final MemorySegment dKeys;       // (S, B, C)
    private final Tensor dEnc;               // (S, B, C) dL/d encoder output
    private final Tensor dOut;               // (1, B, C) dL/dh_t of the step being back-propagated
    private final MemorySegment dEmbedded;   // (T, B, E)
    private final Tensor dhEncoder;          // (L*D, B, H)
    private final Tensor dcEncoder;          // (L*D, B, H) LSTM
    private final float[] scratch;           // (S) per-row attention scratch
    // the attention works on heap copies (plain arrays: the JIT vectorises these loops; segment reads were 20x slower)
    private final float[] encH;              // (S, B, C) encoder output
    private final float[] keysH;             // (S, B, C)
    private final float[] weightsH;          // (T, B, S)
    private final float[] catH;              // (T, B, 2C)
    private final float[] hH;                // (B, C) the step's h_t
    private final float[] dCatH;             // (T, B, 2C)
    private final float[] dKeysH;            // (S, B, C)
    private final float[] dEncH;             // (S, B, C)
    private final float[] dContextH;         // (B, C)
    private final float[] dhH;               // (B, C)
    private boolean loaded;
    private boolean forwardDone;

    Seq2SeqPass(Seq2Seq model, int sourceSteps, int targetSteps, int batch) {
        if (sourceSteps < 1 || targetSteps < 1 || batch < 1) {
            throw new IllegalArgumentException("a pass needs S >= 1, T >= 1 and B >= 1, got S=" + sourceSteps + ", T="
                    + targetSteps + ", B=" + batch);
        }
        Seq2SeqConfig config = model.config();
        this.model = model;
        this.kernels = model.kernels();
        this.sourceSteps = sourceSteps;
        this.targetSteps = targetSteps;
        this.batch = batch;
        this.e = config.embedding();
        this.c = config.contextSize();
        this.h = config.hidden();
        this.d = config.directions();
        this.layers = config.layers();
        this.vocab = config.targetVocab();
        this.lstm = config.cell().hasCellState();
        this.steps = new Workspace[targetSteps];
        this.decoderX = new Tensor[targetSteps];
        this.sourceLengths = new int[batch];
        this.targetLengths = new int[batch];
        this.scratch = new float[sourceSteps];
        int sbc = sourceSteps * batch * config.contextSize(), tbc = targetSteps * batch * config.contextSize();
        this.encH = new float[sbc];
        this.keysH = new float[sbc];
        this.weightsH = new float[targetSteps * batch * sourceSteps];
        this.catH = new float[2 * tbc];
        this.hH = new float[batch * config.contextSize()];
        this.dCatH = new float[2 * tbc];
        this.dKeysH = new float[sbc];
        this.dEncH = new float[sbc];
        this.dContextH = new float[batch * config.contextSize()];
        this.dhH = new float[batch * config.contextSize()];
        long sb = (long) sourceSteps * batch, tb = (long) targetSteps * batch;
        try {
            this.encoder = model.encoder().workspace(sourceSteps, batch);
            for (int t = 0; t < targetSteps; t++) {
                steps[t] = model.decoderRnn().workspace(1, batch);
            }
            this.sourceIds = floats(sb);
            this.sourceX = Tensor.allocate(arena, sourceSteps, batch, e);
            this.inputIds = floats(tb);
            this.targetIds = floats(tb);
            this.mask = floats(tb);
            this.embedded = floats(tb * e);
            MemorySegment x = floats(tb * (e + c));
            long stepBytes = (long) batch * (e + c) * Float.BYTES;
            for (int t = 0; t < targetSteps; t++) {
                decoderX[t] = Tensor.of(x.asSlice(t * stepBytes, stepBytes), 1, batch, e + c);
            }
            this.h0 = Tensor.allocate(arena, layers, batch, c);
            this.c0 = lstm ? Tensor.allocate(arena, layers, batch, c) : null;
            this.keys = floats(sb * c);
            this.weights = floats(tb * sourceSteps);
            this.cat = floats(tb * 2 * c);
            this.logits = floats(tb * vocab);
            this.dLogits = floats(tb * vocab);
            this.dCat = floats(tb * 2 * c);
            this.dKeys = floats(sb * c);
            this.dEnc = Tensor.allocate(arena, sourceSteps, batch, c);
            this.dOut = Tensor.allocate(arena, 1, batch, c);
            this.dEmbedded = floats(tb * e);
            this.dhEncoder = Tensor.allocate(arena, layers * d, batch, h);
            this.dcEncoder = lstm ? Tensor.allocate(arena, layers * d, batch, h) : null;
        } catch (RuntimeException | Error ex) {
            close();
            throw ex;
        }
    }

    private MemorySegment floats(long n) {
        return arena.allocate(n * Float.BYTES, 64);   // int32 buffers use the same 4-byte element
    }

    /**
     * Copies a batch in. Row b translates {@code sources[b]} (1..S tokens in [0, Vs)) into
     * {@code targets[b]} (1..T tokens in [0, Vt), usually ending with eos); the decoder reads bos
     * and then the target shifted by one (teacher forcing).
     */
    public void load(int[][] sources, int[][] targets) {
        if (sources == null || targets == null || sources.length != batch || targets.length != batch) {
            throw new IllegalArgumentException("a batch needs " + batch + " sources and " + batch + " targets, got "
                    + (sources == null ? "null" : sources.length) + " and " + (targets == null ? "null" : targets.length));
        }
        Seq2SeqConfig config = model.config();
        for (int b = 0; b < batch; b++) {
            checkTokens("source", b, sources[b], sourceSteps, config.sourceVocab());
            checkTokens("target", b, targets[b], targetSteps, config.targetVocab());
        }
        for (int b = 0; b < batch; b++) {
            sourceLengths[b] = sources[b].length;
            targetLengths[b] = targets[b].length;
            for (int s = 0; s < sourceSteps; s++) {
                sourceIds.setAtIndex(I, (long) s * batch + b, s < sources[b].length ? sources[b][s] : 0);
            }
            for (int t = 0; t < targetSteps; t++) {
                long row = (long) t * batch + b;
                boolean real = t < targets[b].length;
                inputIds.setAtIndex(I, row, t == 0 ? config.bos() : t - 1 < targets[b].length ? targets[b][t - 1] : config.bos());
                targetIds.setAtIndex(I, row, real ? targets[b][t] : 0);
                mask.setAtIndex(F, row, real ? 1f : 0f);
            }
        }
        loaded = true;
        forwardDone = false;
    }

    private static void checkTokens(String what, int row, int[] tokens, int max, int vocabSize) {
        if (tokens == null || tokens.length < 1 || tokens.length > max) {
            throw new IllegalArgumentException(what + " " + row + " must have 1.." + max + " tokens, got "
                    + (tokens == null ? "null" : tokens.length));
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabSize) {
                throw new IllegalArgumentException(what + " " + row + " token " + i + " must be in [0, " + vocabSize
                        + "), got " + tokens[i]);
            }
        }
    }

    /** Forward and the mean loss over the real target steps, without gradients (evaluation). */
    public double loss() {
        forward(false);
        return SoftmaxCrossEntropy.forward(kernels, logits, targetIds, mask, batch * targetSteps, vocab);
    }

    /** Forward, loss and backward: the gradients are added into the model's gradient slab. Returns the mean loss. */
    public double forwardBackward() {
        forward(true);
        double loss = SoftmaxCrossEntropy.forwardBackward(kernels, dLogits, logits, targetIds, mask, batch * targetSteps, vocab);
        backward();
        return loss;
    }

    /**
     * One optimizer step on a batch: gradients zeroed, {@link #load}, {@link #forwardBackward},
     * clipping by global norm (when {@code maxNorm > 0}), the optimizer's step. Returns the loss.
     */
    public double trainStep(int[][] sources, int[][] targets, Optimizer optimizer, double maxNorm) {
        model.gradients().zero();
        load(sources, targets);
        double loss = forwardBackward();
        if (maxNorm > 0) {
            GradientClipping.clipByGlobalNorm(kernels, model.gradients(), maxNorm);
        }
        optimizer.step();
        return loss;
    }

    // ---- forward ----

    private void forward(boolean training) {
        if (!loaded) {
            throw new IllegalStateException("load a batch first");
        }
        model.checkOpen();
        int sb = sourceSteps * batch, tb = targetSteps * batch;
        model.sourceEmbedding().forward(sourceX.segment(), sourceIds, sb);            // x_s = E_src[ids_s]
        MemorySegment enc = encoder.forward(sourceX, sourceLengths, null, null, training).segment();   // (S, B, C)
        // keys (S*B, C) = enc (S*B, C) W_a^T
        kernels.sgemm(false, true, sb, c, c, 1f, enc, c, model.attention().segment(), c, 0f, keys, c);
        MemorySegment.copy(enc, F, 0, encH, 0, sb * c);
        MemorySegment.copy(keys, F, 0, keysH, 0, sb * c);
        bridge(encoder.finalHidden().segment(), h0.segment());
        if (lstm) {
            bridge(encoder.finalCell().segment(), c0.segment());
        }
        model.targetEmbedding().forward(embedded, inputIds, tb);                        // E_tgt(y_{t-1})
        for (int t = 0; t < targetSteps; t++) {
            MemorySegment x = decoderX[t].segment();                                    // (B, E + C)
            for (int b = 0; b < batch; b++) {
                long to = (long) b * (e + c);
                MemorySegment.copy(embedded, ((long) t * batch + b) * e * Float.BYTES, x, to * Float.BYTES, (long) e * Float.BYTES);
                if (t == 0) {
                    x.asSlice((to + e) * Float.BYTES, (long) c * Float.BYTES).fill((byte) 0);   // ctx_{-1} = 0
                } else {
                    MemorySegment.copy(catH, ((t - 1) * batch + b) * 2 * c + c, x, F, (to + e) * Float.BYTES, c);   // ctx_{t-1}
                }
            }
            Tensor hPrev = t == 0 ? h0 : steps[t - 1].finalHidden();
            Tensor cPrev = !lstm ? null : t == 0 ? c0 : steps[t - 1].finalCell();
            MemorySegment ht = steps[t].forward(decoderX[t], null, hPrev, cPrev, training).segment();   // (B, C)
            MemorySegment.copy(ht, F, 0, hH, 0, batch * c);
            for (int b = 0; b < batch; b++) {
                attend(t, b);
            }
        }
        MemorySegment.copy(catH, 0, cat, F, 0, tb * 2 * c);
        MemorySegment.copy(weightsH, 0, weights, F, 0, tb * sourceSteps);
        model.output().forward(logits, cat, tb);                                        // logits = W_o [h; ctx] + b_o
        forwardDone = true;
    }

    private void bridge(MemorySegment from, MemorySegment to) {
        Seq2Seq.bridge(from, to, layers, d, batch, h);
    }

    /** Attention of row b at step t: a_t = softmax_s(h_t . keys_s), ctx_t = sum_s a_ts enc_s; writes [h_t; ctx_t]. */
    private void attend(int t, int b) {
        int len = sourceLengths[b], hRow = b * c;
        float max = Float.NEGATIVE_INFINITY;
        for (int s = 0; s < len; s++) {
            int kRow = (s * batch + b) * c;
            float score = 0;
            for (int i = 0; i < c; i++) {
                score += hH[hRow + i] * keysH[kRow + i];
            }
            scratch[s] = score;
            max = Math.max(max, score);
        }
        double sum = 0;
        for (int s = 0; s < len; s++) {
            scratch[s] = (float) Math.exp(scratch[s] - max);
            sum += scratch[s];
        }
        int wRow = (t * batch + b) * sourceSteps, catRow = (t * batch + b) * 2 * c;
        for (int s = 0; s < sourceSteps; s++) {
            weightsH[wRow + s] = s < len ? (float) (scratch[s] / sum) : 0f;           // padded source steps: 0
        }
        System.arraycopy(hH, hRow, catH, catRow, c);
        java.util.Arrays.fill(catH, catRow + c, catRow + 2 * c, 0f);
        for (int s = 0; s < len; s++) {
            float a = weightsH[wRow + s];
            int eRow = (s * batch + b) * c;
            for (int i = 0; i < c; i++) {
                catH[catRow + c + i] += a * encH[eRow + i];
            }
        }
    }

    // ---- backward: the mirror of forward ----

    private void backward() {
        int sb = sourceSteps * batch, tb = targetSteps * batch;
        MemorySegment enc = encoder.output().segment();
        model.output().backward(dCat, dLogits, cat, tb);                                // dW_o, db_o; dcat = dlogits W_o
        MemorySegment.copy(dCat, F, 0, dCatH, 0, tb * 2 * c);
        java.util.Arrays.fill(dEncH, 0f);
        java.util.Arrays.fill(dKeysH, 0f);
        java.util.Arrays.fill(dContextH, 0f);
        for (int t = targetSteps - 1; t >= 0; t--) {
            for (int b = 0; b < batch; b++) {
                attendBackward(t, b);
            }
            MemorySegment.copy(dhH, 0, dOut.segment(), F, 0, batch * c);
            Tensor dhNext = t == targetSteps - 1 ? null : steps[t + 1].initialHiddenGradient();
            Tensor dcNext = !lstm || t == targetSteps - 1 ? null : steps[t + 1].initialCellGradient();
            steps[t].backward(dOut, dhNext, dcNext);
            MemorySegment dx = steps[t].inputGradient().segment();                      // (B, E + C)
            for (int b = 0; b < batch; b++) {
                long from = (long) b * (e + c);
                MemorySegment.copy(dx, from * Float.BYTES, dEmbedded, ((long) t * batch + b) * e * Float.BYTES, (long) e * Float.BYTES);
                MemorySegment.copy(dx, F, (from + e) * Float.BYTES, dContextH, b * c, c);
            }
        }
        model.targetEmbedding().backward(dEmbedded, inputIds, tb);
        unbridge(steps[0].initialHiddenGradient().segment(), dhEncoder.segment());
        if (lstm) {
            unbridge(steps[0].initialCellGradient().segment(), dcEncoder.segment());
        }
        MemorySegment.copy(dKeysH, 0, dKeys, F, 0, sb * c);
        MemorySegment.copy(dEncH, 0, dEnc.segment(), F, 0, sb * c);
        // keys = enc W_a^T: dW_a += dkeys^T enc, d enc += dkeys W_a
        kernels.sgemm(true, false, c, c, sb, 1f, dKeys, c, enc, c, 1f, model.attentionGradient().segment(), c);
        kernels.sgemm(false, false, sb, c, c, 1f, dKeys, c, model.attention().segment(), c, 1f, dEnc.segment(), c);
        encoder.backward(dEnc, dhEncoder, dcEncoder);
        MemorySegment dSource = encoder.inputGradient().segment();                      // (S, B, E)
        for (int s = 0; s < sourceSteps; s++) {
            for (int b = 0; b < batch; b++) {
                if (s >= sourceLengths[b]) {                                            // padded: no gradient to any token
                    dSource.asSlice(((long) s * batch + b) * e * Float.BYTES, (long) e * Float.BYTES).fill((byte) 0);
                }
            }
        }
        model.sourceEmbedding().backward(dSource, sourceIds, sb);
        forwardDone = false;
    }

    /**
     * Row b at step t: dctx = dcat[.., C:] + dctx from step t+1; da_s = dctx . enc_s; d enc_s += a_s dctx;
     * dscore_s = a_s (da_s - sum a da); dh = dcat[.., :C] + sum_s dscore_s keys_s; dkeys_s += dscore_s h_t.
     */
    private void attendBackward(int t, int b) {
        int len = sourceLengths[b];
        int catRow = (t * batch + b) * 2 * c, wRow = (t * batch + b) * sourceSteps, bRow = b * c;
        for (int i = 0; i < c; i++) {
            dContextH[bRow + i] += dCatH[catRow + c + i];
            dhH[bRow + i] = dCatH[catRow + i];
        }
        float weighted = 0;
        for (int s = 0; s < len; s++) {
            int row = (s * batch + b) * c;
            float a = weightsH[wRow + s], da = 0;
            for (int i = 0; i < c; i++) {
                float g = dContextH[bRow + i];
                da += g * encH[row + i];
                dEncH[row + i] += a * g;
            }
            scratch[s] = da;
            weighted += a * da;
        }
        for (int s = 0; s < len; s++) {
            int row = (s * batch + b) * c;
            float dscore = weightsH[wRow + s] * (scratch[s] - weighted);
            for (int i = 0; i < c; i++) {
                dhH[bRow + i] += dscore * keysH[row + i];
                dKeysH[row + i] += dscore * catH[catRow + i];                      // h_t, as forward saved it
            }
        }
    }

    /** The mirror of {@link #bridge}: (L, B, D*H) -> (L*D, B, H). */
    private void unbridge(MemorySegment from, MemorySegment to) {
        long hBytes = (long) h * Float.BYTES;
        for (int l = 0; l < layers; l++) {
            for (int dir = 0; dir < d; dir++) {
                for (int b = 0; b < batch; b++) {
                    MemorySegment.copy(from, (((long) l * batch + b) * c + (long) dir * h) * Float.BYTES, to,
                            (((long) (l * d + dir) * batch + b) * h) * Float.BYTES, hBytes);
                }
            }
        }
    }

    // ---- results of the last forward ----

    /** (T, B, V) the logits of the last forward (a view, valid until the next call). */
    public Tensor logits() {
        return Tensor.of(logits, targetSteps, batch, vocab);
    }

    /** (T, B, S) the attention weights of the last forward (0 at padded source steps). */
    public Tensor attentionWeights() {
        return Tensor.of(weights, targetSteps, batch, sourceSteps);
    }

    public int sourceSteps() {
        return sourceSteps;
    }

    public int targetSteps() {
        return targetSteps;
    }

    public int batch() {
        return batch;
    }

    @Override
    public void close() {
        if (encoder != null) {
            encoder.close();
        }
        for (Workspace w : steps) {
            if (w != null) {
                w.close();
            }
        }
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
