package dev.panamarnn.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The numeric primitives of the library: the BLAS subset the unroller calls and the fused
 * pointwise cell kernels of librnnk. Two implementations, not exported, obtained through
 * {@link KernelSelection}: the pure-Java kernels ({@link KernelSelection#java()}: the executable
 * specification and the baseline) and the native ones ({@link KernelSelection#nativeKernels()}:
 * OpenBLAS + librnnk through FFM). Implementations trust their arguments; {@link CheckedKernels} is
 * the validating front door. Which implementation a JVM uses by default is
 * {@link KernelSelection#selected()}.
 *
 * <p>Every matrix is row-major float32; every segment holds floats in native byte order; leading
 * dimensions ({@code lda}...) are row strides in floats.
 */
public interface Kernels {

    /** Short name for logs: "java" or "native". */
    String name();

    /**
     * C = alpha * op(A) * op(B) + beta * C, with op(A) (m, k), op(B) (k, n), C (m, n).
     * A is (m, k) row-major with row stride lda when {@code transA} is false, else (k, m).
     * When beta is 0, C is not read (NaN in C does not propagate), as in BLAS.
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k,
               float alpha, MemorySegment a, int lda, MemorySegment b, int ldb,
               float beta, MemorySegment c, int ldc);

    /**
     * Whether an untransposed product C (m, n) = A (m, k) B (k, n) with alpha = 1 of this size runs
     * on a kernel made for small products that reads B in place. A caller that can keep B in
     * (k, n) layout (the unroller's W_hh^T) should then do so. Default: false.
     */
    default boolean fastSmallProduct(int m, int n, int k) {
        return false;
    }

    /**
     * How many floats the packed form of a weight matrix W (n, k) takes: panels of
     * {@value #PACKED_PANEL} rows of W, one after the other, each stored k-major
     * ({@value #PACKED_PANEL} floats per k), the rows past n zero. The form is the same for every
     * implementation (rnnk.h, rnnk_sgemm_pack).
     */
    static long packedFloats(int n, int k) {
        return (n + PACKED_PANEL - 1L) / PACKED_PANEL * PACKED_PANEL * k;
    }

    /** Rows of W per panel of the packed form ({@link #packedFloats}). */
    int PACKED_PANEL = 32;

    /** packed ({@link #packedFloats}(n, k) floats) = W (n, k; row stride ldw) in the packed form. */
    void packWeights(MemorySegment packed, MemorySegment w, int ldw, int n, int k);

    /**
     * packed ({@link #packedFloats}(n, k) floats) = W (n, k) in the packed form, read from its
     * transpose wT = W^T (k, n; row stride ldw): {@link #sgemmPacked} then multiplies by wT as
     * stored, y = x * wT (the backward's dh_{t-1} = dG W_hh).
     */
    void packWeightsTransposed(MemorySegment packed, MemorySegment wT, int ldw, int n, int k);

    /**
     * y (m, n; row stride ldy) = beta * y + x (m, k; row stride ldx) * W^T, with W (n, k) given in the
     * packed form ({@link #packWeights}). When beta is 0, y is not read. Each element is the sum over
     * k in increasing order.
     */
    void sgemmPacked(int m, int n, int k, MemorySegment x, int ldx, MemorySegment packed, float beta,
                     MemorySegment y, int ldy);

    /**
     * Whether a product of m rows with a packed weight matrix W (n, k) ({@link #sgemmPacked}) is
     * faster here than {@link #sgemm} on W in place, so that a caller that multiplies by the same W
     * many times should keep it packed. Default: false.
     */
    default boolean fastPackedProduct(int m, int n, int k) {
        return false;
    }

    /**
     * y (n) = beta * y + W x for one row x (k), W (n, k) given in the packed form
     * ({@link #packWeights}): a single stream's step on the weights an inference model keeps packed.
     * When beta is 0, y is not read. Each element is the sum of four partial sums over
     * k = 0, 1, 2, 3 mod 4 (each over k increasing), added as (s0 + s1) + (s2 + s3), so it agrees
     * with {@link #sgemmPacked}'s row within float rounding, not bit for bit.
     */
    void sgemvPacked(int n, int k, MemorySegment x, MemorySegment packed, float beta, MemorySegment y);

    /**
     * Whether one row times a packed W (n, k) ({@link #sgemvPacked}) is faster here than
     * {@link #sgemv} on W in place, so that a single step should read the packed copy when the
     * caller keeps one. Default: false.
     */
    default boolean fastPackedVector(int n, int k) {
        return false;
    }

    /**
     * c (m, n; row stride ldc) += a^T b, with a (k, m; row stride lda) and b (k, n; row stride ldb)
     * as stored: the weight gradients of training, dW (G*H, In) += dG^T X over the T*B rows. Each
     * element is c + a_0 b_0 + a_1 b_1 + ... in increasing k. {@code scratch} holds at least
     * {@link #atbScratchFloats}(n) floats for the kernels' own use; its contents do not matter.
     */
    void sgemmAtB(int m, int n, int k, MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment scratch,
                  MemorySegment c, int ldc);

    /** How many floats of scratch {@link #sgemmAtB} needs for products with n columns. Default: 0. */
    default long atbScratchFloats(int n) {
        return 0;
    }

    /**
     * Whether {@link #sgemmAtB} is faster here than {@link #sgemm} with A transposed for this
     * product, so that a caller should keep its scratch and call it. Default: false.
     */
    default boolean fastAtBProduct(int m, int n, int k) {
        return false;
    }

    /** y = alpha * op(A) * x + beta * y with A (m, n) row-major, stride lda; op(A) is A or A^T. */
    void sgemv(boolean transA, int m, int n, float alpha, MemorySegment a, int lda,
               MemorySegment x, float beta, MemorySegment y);

    /** y += alpha * x over n contiguous floats. */
    void saxpy(int n, float alpha, MemorySegment x, MemorySegment y);

    /** x *= alpha over n contiguous floats. */
    void sscal(int n, float alpha, MemorySegment x);

    /** sum x_i * y_i over n contiguous floats. */
    float sdot(int n, MemorySegment x, MemorySegment y);

    /** sqrt(sum x_i^2) over n contiguous floats (scaled, no overflow for large values). */
    float snrm2(int n, MemorySegment x);

    /**
     * LSTM step forward, gates i, f, g, o (see rnnk.h).
     * @param h      (B, H) out: h_t = o * tanh(c_t)
     * @param c      (B, H) out: c_t = f * c_{t-1} + i * g
     * @param gates  (B, 4H) in: the GEMMs x W_ih^T + h_{t-1} W_hh^T; out: activations of gates + bias
     * @param bias   (4H) in: b_ih + b_hh, added to every row
     * @param cPrev  (B, H) in: c_{t-1}
     */
    void lstmForwardStep(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment bias,
                         MemorySegment cPrev, int batch, int hidden);

    /**
     * LSTM step backward (see rnnk.h).
     * @param dgates (B, 4H) out: dL/d pre-activations (written)
     * @param dc     (B, H) in: dL/dc_t carried from step t+1; out: dL/dc_{t-1}
     * @param dh     (B, H) in: dL/dh_t
     * @param gates  (B, 4H) activations saved by forward
     * @param cPrev  (B, H) c_{t-1}
     * @param c      (B, H) c_t
     */
    void lstmBackwardStep(MemorySegment dgates, MemorySegment dc, MemorySegment dh,
                          MemorySegment gates, MemorySegment cPrev, MemorySegment c,
                          int batch, int hidden);

    /**
     * GRU step forward, gates r, z, n (see rnnk.h): h_t = n + z * (h_{t-1} - n).
     * @param h     (B, H) out: h_t
     * @param xg    (B, 3H) in: x W_ih^T without bias; out: activations r, z, n
     * @param hg    (B, 3H) in: h_{t-1} W_hh^T without bias; out: hg + b_hh
     * @param bIh   (3H) input bias
     * @param bHh   (3H) recurrent bias
     * @param hPrev (B, H) h_{t-1}
     */
    void gruForwardStep(MemorySegment h, MemorySegment xg, MemorySegment hg, MemorySegment bIh, MemorySegment bHh,
                        MemorySegment hPrev, int batch, int hidden);

    /**
     * GRU step backward (see rnnk.h); all outputs written.
     * @param dxg    (B, 3H) out: d input pre-activations (dr, dz, dn)
     * @param dhg    (B, 3H) out: d hidden pre-activations (dr, dz, dn * r)
     * @param dhPrev (B, H) out: the direct part dh * z of dL/dh_{t-1}
     * @param dh     (B, H) in: dL/dh_t
     */
    void gruBackwardStep(MemorySegment dxg, MemorySegment dhg, MemorySegment dhPrev, MemorySegment dh,
                         MemorySegment xg, MemorySegment hg, MemorySegment hPrev, int batch, int hidden);

    // The GRU with the reset gate before the recurrent product (ABI 7; rnnk.h): ONNX's default
    // GRU (linear_before_reset = 0). n = tanh(W_in x + b_in + W_hn (r * h_{t-1}) + b_hn). A step is
    // hrz = h_{t-1} W_h{r,z}^T; gates forward; hn = (r * h_{t-1}) W_hn^T; state forward. Backward:
    // state backward; drh = dn_pre W_hn; gates backward; dh_{t-1} += (dr_pre, dz_pre) W_h{r,z}.

    /**
     * Reset-before GRU, first half of the forward step: the reset and update gates.
     * @param xg    (B, 3H) in: x W_ih^T without bias; out: r, z in the first 2H columns (n part untouched)
     * @param rh    (B, H) out: r * h_{t-1}, the input of the second recurrent product
     * @param hrz   (B, 2H) in: h_{t-1} W_h{r,z}^T without bias
     * @param bIh   (3H) input bias (b_ir, b_iz read)
     * @param bHh   (3H) recurrent bias (b_hr, b_hz read)
     * @param hPrev (B, H) h_{t-1}
     */
    void gruResetBeforeGatesForwardStep(MemorySegment xg, MemorySegment rh, MemorySegment hrz, MemorySegment bIh,
                                        MemorySegment bHh, MemorySegment hPrev, int batch, int hidden);

    /**
     * Reset-before GRU, second half of the forward step: n and h_t = n + z * (h_{t-1} - n).
     * @param h     (B, H) out: h_t
     * @param xg    (B, 3H) in: r, z, x W_in^T without bias; out: r, z, n (saved for backward)
     * @param hn    (B, H) in: (r * h_{t-1}) W_hn^T without bias
     * @param bIh   (3H) input bias (b_in read)
     * @param bHh   (3H) recurrent bias (b_hn read)
     * @param hPrev (B, H) h_{t-1}
     */
    void gruResetBeforeStateForwardStep(MemorySegment h, MemorySegment xg, MemorySegment hn, MemorySegment bIh,
                                        MemorySegment bHh, MemorySegment hPrev, int batch, int hidden);

    /**
     * Reset-before GRU, first half of the backward step (mirror of the state forward); written.
     * @param dxg    (B, 3H) out: dz_pre, dn_pre in the last 2H columns (the first H untouched)
     * @param dhPrev (B, H) out: the direct part dh_t * z of dL/dh_{t-1}
     * @param dh     (B, H) in: dL/dh_t
     * @param xg     (B, 3H) r, z, n saved by forward
     * @param hPrev  (B, H) h_{t-1}
     */
    void gruResetBeforeStateBackwardStep(MemorySegment dxg, MemorySegment dhPrev, MemorySegment dh, MemorySegment xg,
                                         MemorySegment hPrev, int batch, int hidden);

    /**
     * Reset-before GRU, second half of the backward step (mirror of the gates forward).
     * @param dxg    (B, 3H) out: dr_pre = drh h_{t-1} r (1 - r) in the first H columns (the rest untouched)
     * @param dhPrev (B, H) in/out: += drh * r
     * @param drh    (B, H) in: dL/d(r * h_{t-1}) = dn_pre W_hn
     * @param xg     (B, 3H) r, z, n saved by forward
     * @param hPrev  (B, H) h_{t-1}
     */
    void gruResetBeforeGatesBackwardStep(MemorySegment dxg, MemorySegment dhPrev, MemorySegment drh, MemorySegment xg,
                                         MemorySegment hPrev, int batch, int hidden);

    /**
     * Vanilla RNN step forward: h (B, H) = tanh(pre (B, H) + bias (H) in every row), or relu when
     * {@code relu}; pre = x W_ih^T + h_{t-1} W_hh^T, bias = b_ih + b_hh. h may be pre (in place).
     */
    void rnnForwardStep(boolean relu, MemorySegment h, MemorySegment pre, MemorySegment bias, int batch, int hidden);

    /** Vanilla RNN step backward: dpre (B, H) = dh * tanh'(from h), or dh * [h > 0] when {@code relu}. */
    void rnnBackwardStep(boolean relu, MemorySegment dpre, MemorySegment dh, MemorySegment h, int batch, int hidden);

    // The training kernels (ABI 3).

    /**
     * Softmax cross-entropy over a vocabulary, forward and backward fused (see rnnk.h), for N rows:
     * loss_n = -log softmax(logits_n)[targets_n], numerically stable (row maximum subtracted,
     * exps summed in double); dlogits_n = mask_n * gradScale * (softmax(logits_n) - onehot(targets_n)).
     * @param dlogits   (N, V) out, written; {@link MemorySegment#NULL} for the loss only. May be
     *                  {@code logits} itself (in place)
     * @param losses    (N) out: per-row loss (0 for masked rows), or {@link MemorySegment#NULL}
     * @param logits    (N, V) in
     * @param targets   (N) int32 class ids in [0, V); not read for masked rows
     * @param mask      (N) row weights (0 = padded row: no loss, zero gradient), or
     *                  {@link MemorySegment#NULL} for weight 1 everywhere
     * @param gradScale the gradient's factor, usually 1 / sum(mask)
     * @return sum_n mask_n * loss_n
     */
    double softmaxCrossEntropyForwardBackward(MemorySegment dlogits, MemorySegment losses, MemorySegment logits,
                                                      MemorySegment targets, MemorySegment mask, float gradScale,
                                                      int rows, int vocab);

    /**
     * The CTC loss of B rows of time-major logits and its gradient through log_softmax, in the log
     * domain, in double (see rnnk.h): loss_b = -log p(l_b | x_b) over the alignments of the label to
     * the row's first lengths[b] steps; dlogits = rowScale[b] * d loss_b / d logits, zero at padded
     * steps. {@link dev.panamarnn.train.CtcLoss} is the checked, reduced front door.
     * @param dlogits      (T, B, C) out, written everywhere; {@link MemorySegment#NULL} for the loss only
     * @param rowLosses    (B) double out: loss_b; or {@link MemorySegment#NULL}
     * @param logits       (T, B, C) in
     * @param lengths      (B) int32 in [1, T]
     * @param labels       int32 label ids of every row, concatenated (none is the blank)
     * @param labelOffsets (B + 1) int64: row b's labels are [labelOffsets[b], labelOffsets[b + 1])
     * @param rowScale     (B) float: each row's factor in the sum and in its gradient
     * @param scratch      doubles, at least {@link #ctcScratch} of the largest row
     * @return sum_b rowScale[b] * loss_b
     */
    double ctcForwardBackward(MemorySegment dlogits, MemorySegment rowLosses, MemorySegment logits, MemorySegment lengths,
                              MemorySegment labels, MemorySegment labelOffsets, MemorySegment rowScale, MemorySegment scratch,
                              int steps, int batch, int classes, int blank);

    /** Doubles of scratch {@link #ctcForwardBackward} needs for a row of {@code steps} steps and {@code labels} labels: 2 T (2 S + 1) + T C + C. */
    static long ctcScratch(long steps, long labels, long classes) {
        return Math.addExact(Math.addExact(Math.multiplyExact(2 * steps, Math.addExact(2 * labels, 1)), Math.multiplyExact(steps, classes)), classes);
    }

    /**
     * One Adam ({@code decoupled} false) or AdamW step over n floats, torch.optim's order (see
     * rnnk.h): AdamW decays theta by 1 - lr wd; Adam adds wd theta to g; m = beta1 m + (1-beta1) g;
     * v = beta2 v + (1-beta2) g^2; theta -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps).
     * @param param  (n) in/out theta
     * @param expAvg (n) in/out m;  expAvgSq (n) in/out v
     * @param grad   (n) dL/dtheta
     * @param biasCorrection1 1 - beta1^t for the 1-based step t; biasCorrection2 1 - beta2^t
     */
    void adamStep(MemorySegment param, MemorySegment expAvg, MemorySegment expAvgSq, MemorySegment grad,
                          double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled,
                          double biasCorrection1, double biasCorrection2, long n);

    /**
     * One SGD step over n floats, torch.optim.SGD's order (see rnnk.h): d = g + wd theta;
     * with momentum buf = first ? d : mu buf + (1 - dampening) d and d = nesterov ? d + mu buf : buf;
     * theta -= lr d.
     * @param param          (n) in/out theta
     * @param momentumBuffer (n) in/out buf (not read on the first step); {@link MemorySegment#NULL}
     *                       when momentum is 0
     * @param grad           (n) dL/dtheta
     */
    void sgdStep(MemorySegment param, MemorySegment momentumBuffer, MemorySegment grad,
                         double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                         boolean firstStep, long n);

    // The int8 and bf16 products of reduced-precision inference (ABI 10; the packed int8 weights ABI 11).

    /**
     * y (rows, n; row stride ldy) = beta * y + dequantized (quantized x) * W^T, see rnnk.h
     * {@code rnnk_q8_linear}: each row b of x is quantized to 8 bits with its own symmetric scale
     * s_b = max |x_b| / 127 (stored as v + 128), the integer products with the int8 weights are summed
     * exactly in int32, and y[b, n] = beta * y[b, n] + (float) sum * (s_b * wScale[n]) (beta = 0 does
     * not read y). Every implementation gives the same bits.
     * @param xq     (rows, round_up(k, 4)) bytes out: the quantized rows (scratch), each padded with the code 128
     * @param xScale (rows) floats out: s_b
     * @param x      (rows, k) floats in, row stride ldx
     * @param w      (n, k) int8 weights in [-127, 127], packed ({@code Int8Packing}: blocks of 64 rows, four
     *               columns of a row together; round_up(n, 64) * round_up(k, 4) bytes)
     * @param wScale (n) floats: each weight row's scale
     * @param wComp  (n) int32: 128 * the sum of each weight row (the VNNI path's correction)
     */
    void int8Linear(MemorySegment y, int ldy, MemorySegment xq, MemorySegment xScale, MemorySegment x, int ldx,
                    MemorySegment w, MemorySegment wScale, MemorySegment wComp, float beta, int rows, int n, int k);

    /**
     * y (rows, n; row stride ldy) = beta * y + bf16(x) * W^T, see rnnk.h {@code rnnk_bf16_linear}:
     * each element of x rounded to bf16 (nearest even), times the bf16 weights, summed in float
     * (beta = 0 does not read y). Implementations agree to the float rounding of the sums.
     * @param xBf16 (rows, k) bf16 out: the rounded rows (scratch)
     * @param x     (rows, k) floats in, row stride ldx
     * @param w     (n, k) bf16 weights, contiguous
     */
    void bf16Linear(MemorySegment y, int ldy, MemorySegment xBf16, MemorySegment x, int ldx, MemorySegment w, float beta,
                    int rows, int n, int k);
}
