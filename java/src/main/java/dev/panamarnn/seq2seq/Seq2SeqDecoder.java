package dev.panamarnn.seq2seq;

import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Decoding of one source sequence at a time with up to R rows (hypotheses): {@link #encode} runs
 * the encoder (S, 1) once, then each {@link #step} advances all R rows through the decoder (a
 * (1, R) workspace's inference pass), the attention and the output layer, the same equations as
 * {@link Seq2SeqPass}'s forward. Buffers are allocated once; a step allocates nothing.
 * {@link #greedy} and {@link #beam} run {@link Decoding} over it. One thread.
 */
public final class Seq2SeqDecoder implements StepModel, AutoCloseable {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    private final Seq2Seq model;
    private final Kernels kernels;
    private final int sourceSteps;    // S
    private final int rows;           // R
    private final int e, c, h, d, layers, vocab;
    private final boolean lstm;
    private final Arena arena = Arena.ofShared();
    private final Workspace encoder;  // (S, 1)
    private final Workspace decoder;  // (1, R)
    private final MemorySegment sourceIds;  // (S) int32
    private final Tensor sourceX;           // (S, 1, E)
    private final MemorySegment enc;        // (S, C) encoder outputs of the current source
    private final MemorySegment keys;       // (S, C) W_a enc_s
    private final Tensor startH, startC;    // (L, 1, C) the decoder's start state (bridged encoder h_n, c_n)
    private final Tensor hState, cState;    // (L, R, C) each row's decoder state
    private final Tensor hNext, cNext;      // (L, R, C) reordering scratch
    private final MemorySegment context;    // (R, C) each row's previous context
    private final MemorySegment contextNext;// (R, C)
    private final Tensor x;                 // (1, R, E + C)
    private final MemorySegment tokenIds;   // (R) int32
    private final MemorySegment embedded;   // (R, E)
    private final MemorySegment cat;        // (R, 2C)
    private final MemorySegment logits;     // (R, V)
    private final float[][] attention;      // (R, S) the last step's weights
    private final float[] encH, keysH;      // (S, C) heap copies for the attention loops
    private final float[] hRow, ctxRow;     // (C)
    private final float[] logitsH;          // (R, V)
    private final int[] length = new int[1];
    private boolean encoded;

    Seq2SeqDecoder(Seq2Seq model, int sourceSteps, int rows) {
        if (sourceSteps < 1 || rows < 1) {
            throw new IllegalArgumentException("a decoder needs S >= 1 and R >= 1, got S=" + sourceSteps + ", R=" + rows);
        }
        Seq2SeqConfig config = model.config();
        this.model = model;
        this.kernels = model.kernels();
        this.sourceSteps = sourceSteps;
        this.rows = rows;
        this.e = config.embedding();
        this.c = config.contextSize();
        this.h = config.hidden();
        this.d = config.directions();
        this.layers = config.layers();
        this.vocab = config.targetVocab();
        this.lstm = config.cell().hasCellState();
        this.encoder = model.encoder().workspace(sourceSteps, 1);
        this.decoder = model.decoderRnn().workspace(1, rows);
        this.sourceIds = arena.allocate((long) sourceSteps * Integer.BYTES, 64);
        this.sourceX = Tensor.allocate(arena, sourceSteps, 1, e);
        this.enc = arena.allocate((long) sourceSteps * c * Float.BYTES, 64);
        this.keys = arena.allocate((long) sourceSteps * c * Float.BYTES, 64);
        this.startH = Tensor.allocate(arena, layers, 1, c);
        this.startC = Tensor.allocate(arena, layers, 1, c);
        this.hState = Tensor.allocate(arena, layers, rows, c);
        this.cState = Tensor.allocate(arena, layers, rows, c);
        this.hNext = Tensor.allocate(arena, layers, rows, c);
        this.cNext = Tensor.allocate(arena, layers, rows, c);
        this.context = arena.allocate((long) rows * c * Float.BYTES, 64);
        this.contextNext = arena.allocate((long) rows * c * Float.BYTES, 64);
        this.x = Tensor.allocate(arena, 1, rows, e + c);
        this.tokenIds = arena.allocate((long) rows * Integer.BYTES, 64);
        this.embedded = arena.allocate((long) rows * e * Float.BYTES, 64);
        this.cat = arena.allocate((long) rows * 2 * c * Float.BYTES, 64);
        this.logits = arena.allocate((long) rows * vocab * Float.BYTES, 64);
        this.attention = new float[rows][sourceSteps];
        this.encH = new float[sourceSteps * c];
        this.keysH = new float[sourceSteps * c];
        this.hRow = new float[c];
        this.ctxRow = new float[c];
        this.logitsH = new float[rows * vocab];
    }

    /** Runs the encoder over {@code source} (1..S tokens in [0, Vs)); the next {@link #reset} starts from it. */
    public void encode(int[] source) {
        model.checkOpen();
        if (source == null || source.length < 1 || source.length > sourceSteps) {
            throw new IllegalArgumentException("a source must have 1.." + sourceSteps + " tokens, got "
                    + (source == null ? "null" : source.length));
        }
        for (int s = 0; s < source.length; s++) {
            if (source[s] < 0 || source[s] >= model.config().sourceVocab()) {
                throw new IllegalArgumentException("source token " + s + " must be in [0, " + model.config().sourceVocab()
                        + "), got " + source[s]);
            }
        }
        for (int s = 0; s < sourceSteps; s++) {
            sourceIds.setAtIndex(I, s, s < source.length ? source[s] : 0);
        }
        length[0] = source.length;
        model.sourceEmbedding().forward(sourceX.segment(), sourceIds, sourceSteps);
        MemorySegment out = encoder.infer(sourceX, length, null, null).segment();        // (S, 1, C)
        MemorySegment.copy(out, 0, enc, 0, (long) sourceSteps * c * Float.BYTES);
        kernels.sgemm(false, true, sourceSteps, c, c, 1f, enc, c, model.attention().segment(), c, 0f, keys, c);
        MemorySegment.copy(enc, F, 0, encH, 0, sourceSteps * c);
        MemorySegment.copy(keys, F, 0, keysH, 0, sourceSteps * c);
        bridge(encoder.finalHidden().segment(), startH.segment());
        if (lstm) {
            bridge(encoder.finalCell().segment(), startC.segment());
        }
        encoded = true;
    }

    private void bridge(MemorySegment from, MemorySegment to) {
        Seq2Seq.bridge(from, to, layers, d, 1, h);
    }

    @Override
    public int vocab() {
        return vocab;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public void reset() {
        if (!encoded) {
            throw new IllegalStateException("encode a source first");
        }
        long stateBytes = (long) c * Float.BYTES;
        for (int l = 0; l < layers; l++) {
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(startH.segment(), l * stateBytes, hState.segment(), ((long) l * rows + r) * stateBytes, stateBytes);
                MemorySegment.copy(startC.segment(), l * stateBytes, cState.segment(), ((long) l * rows + r) * stateBytes, stateBytes);
            }
        }
        context.fill((byte) 0);
    }

    @Override
    public void step(int[] parents, int[] tokens, float[] logProbs) {
        long cBytes = (long) c * Float.BYTES;
        for (int r = 0; r < rows; r++) {                                       // reorder: row r <- row parents[r]
            int p = parents[r];
            if (p < 0 || p >= rows) {
                throw new IllegalArgumentException("parents[" + r + "] must be in [0, " + rows + "), got " + p);
            }
            for (int l = 0; l < layers; l++) {
                MemorySegment.copy(hState.segment(), ((long) l * rows + p) * cBytes, hNext.segment(), ((long) l * rows + r) * cBytes, cBytes);
                MemorySegment.copy(cState.segment(), ((long) l * rows + p) * cBytes, cNext.segment(), ((long) l * rows + r) * cBytes, cBytes);
            }
            MemorySegment.copy(context, p * cBytes, contextNext, r * cBytes, cBytes);
            tokenIds.setAtIndex(I, r, tokens[r]);
        }
        model.targetEmbedding().forward(embedded, tokenIds, rows);
        MemorySegment xs = x.segment();
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(embedded, (long) r * e * Float.BYTES, xs, (long) r * (e + c) * Float.BYTES, (long) e * Float.BYTES);
            MemorySegment.copy(contextNext, r * cBytes, xs, ((long) r * (e + c) + e) * Float.BYTES, cBytes);
        }
        decoder.infer(x, null, hNext, lstm ? cNext : null);
        MemorySegment.copy(decoder.finalHidden().segment(), 0, hState.segment(), 0, hState.segment().byteSize());
        if (lstm) {
            MemorySegment.copy(decoder.finalCell().segment(), 0, cState.segment(), 0, cState.segment().byteSize());
        }
        long top = (long) (layers - 1) * rows * c;                             // the top layer's h_t
        int len = length[0];
        for (int r = 0; r < rows; r++) {
            float[] a = attention[r];
            MemorySegment.copy(hState.segment(), F, (top + (long) r * c) * Float.BYTES, hRow, 0, c);
            float max = Float.NEGATIVE_INFINITY;
            for (int s = 0; s < len; s++) {
                float score = 0;
                for (int i = 0; i < c; i++) {
                    score += hRow[i] * keysH[s * c + i];
                }
                a[s] = score;
                max = Math.max(max, score);
            }
            double sum = 0;
            for (int s = 0; s < len; s++) {
                a[s] = (float) Math.exp(a[s] - max);
                sum += a[s];
            }
            for (int s = 0; s < sourceSteps; s++) {
                a[s] = s < len ? (float) (a[s] / sum) : 0f;
            }
            java.util.Arrays.fill(ctxRow, 0f);
            for (int s = 0; s < len; s++) {
                for (int i = 0; i < c; i++) {
                    ctxRow[i] += a[s] * encH[s * c + i];
                }
            }
            MemorySegment.copy(hRow, 0, cat, F, (long) r * 2 * cBytes, c);
            MemorySegment.copy(ctxRow, 0, cat, F, (long) r * 2 * cBytes + cBytes, c);
            MemorySegment.copy(ctxRow, 0, context, F, r * cBytes, c);
        }
        model.output().forward(logits, cat, rows);
        MemorySegment.copy(logits, F, 0, logitsH, 0, rows * vocab);
        for (int r = 0; r < rows; r++) {                                       // log-softmax per row
            int row = r * vocab;
            float max = Float.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logitsH[row + v]);
            }
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(logitsH[row + v] - max);
            }
            float logSum = (float) (max + Math.log(sum));
            for (int v = 0; v < vocab; v++) {
                logProbs[row + v] = logitsH[row + v] - logSum;
            }
        }
    }

    /** The attention weights (S) of row r at the last step (0 at padded source steps); a view, overwritten by the next step. */
    public float[] attention(int row) {
        return attention[row];
    }

    /** Greedy decoding of {@code source}, with each step's attention weights (row 0) recorded. */
    public Translation greedy(int[] source, int maxLength) {
        encode(source);
        Seq2SeqConfig config = model.config();
        List<float[]> weights = new ArrayList<>();
        StepModel recording = new StepModel() {
            @Override
            public int vocab() {
                return vocab;
            }

            @Override
            public int rows() {
                return rows;
            }

            @Override
            public void reset() {
                Seq2SeqDecoder.this.reset();
            }

            @Override
            public void step(int[] parents, int[] tokens, float[] logProbs) {
                Seq2SeqDecoder.this.step(parents, tokens, logProbs);
                weights.add(java.util.Arrays.copyOf(attention[0], source.length));
            }
        };
        Translation t = Decoding.greedy(recording, config.bos(), config.eos(), maxLength);
        return new Translation(t.tokens(), t.ended(), t.logProb(), t.score(), weights.toArray(new float[0][]));
    }

    /** Beam search of width R (this decoder's rows) over {@code source}; alpha as in {@link Decoding}. */
    public Translation beam(int[] source, int maxLength, double alpha) {
        encode(source);
        return Decoding.beam(this, model.config().bos(), model.config().eos(), maxLength, alpha);
    }

    @Override
    public void close() {
        encoder.close();
        decoder.close();
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
