package dev.panamarnn.internal.kernels;

import dev.panamarnn.internal.bindings.cblas.cblas_h;
import dev.panamarnn.internal.bindings.rnnk.rnnk_h;
import dev.panamarnn.internal.loader.NativeLibraries;
import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/**
 * Kernels through FFM: BLAS from OpenBLAS (cblas, row-major), cell steps from librnnk, and small
 * untransposed products from librnnk's single-threaded GEMM ({@link SmallGemm}), products with
 * weights packed once from librnnk's packed GEMM ({@link PackedGemm}).
 * Construct with {@link #load()}, which loads both libraries or throws saying why; users get them
 * through {@link dev.panamarnn.kernels.KernelSelection#nativeKernels()} (or the JVM-wide {@link dev.panamarnn.kernels.KernelSelection#selected()}).
 *
 * <p>These kernels trust their arguments: a size larger than a segment reaches native code
 * unchecked and can crash the JVM. Code that calls kernels directly should wrap them in
 * {@link dev.panamarnn.kernels.CheckedKernels} (or use {@link dev.panamarnn.kernels.KernelSelection#checked()}), which checks every size and segment
 * first; the library's own layers, losses and optimizers validate their inputs up front.
 */
public final class NativeKernels implements Kernels {
    private static final int ROW_MAJOR = cblas_h.CblasRowMajor();
    private static final int NO_TRANS = cblas_h.CblasNoTrans();
    private static final int TRANS = cblas_h.CblasTrans();

    private final NativeLibraries.Status status;
    private final boolean smallGemm;   // route small NN products to rnnk_sgemm_nn, packed products to rnnk_sgemm_packed
    private final boolean wideTiles;   // librnnk's GEMM kernels run their AVX-512 code (8-row tiles) on this CPU; without it OpenBLAS does every product
    private final boolean atbAlways;   // every weight-gradient product on rnnk_sgemm_atb, whatever PackedGemm says
    private final boolean avx512Blas;  // OpenBLAS runs one of its AVX-512 core types (read once: no allocation per product)

    private NativeKernels(NativeLibraries.Status status, boolean smallGemm, boolean wideTiles, boolean atbAlways) {
        this.status = status;
        this.smallGemm = smallGemm;
        this.wideTiles = wideTiles;
        this.atbAlways = atbAlways;
        this.avx512Blas = PackedGemm.avx512Core(status.blasCore());
    }

    /** Loads OpenBLAS and librnnk (once per JVM) and returns kernels over them. */
    public static NativeKernels load() {
        NativeLibraries.Status status = NativeLibraries.load();
        return new NativeKernels(status, true, avx512Tiles(), false);
    }

    /**
     * Whether librnnk runs its GEMM kernels' AVX-512 code on this CPU (8-row tiles); without it
     * every product goes to OpenBLAS ({@link SmallGemm}, {@link PackedGemm}). librnnk must be loaded.
     */
    public static boolean avx512Tiles() {
        return rnnk_h.rnnk_sgemm_packed_tile_rows() == 8;
    }

    /**
     * The same kernels with every GEMM on OpenBLAS, small ones included: for measuring the GEMM
     * bound through OpenBLAS alone, and for comparing the two paths.
     */
    public NativeKernels openBlasOnly() {
        return new NativeKernels(status, false, wideTiles, false);
    }

    /**
     * The same kernels with every weight-gradient product dW += dG^T X on librnnk's
     * rnnk_sgemm_atb, whatever OpenBLAS's core type and threads ({@link #fastAtBProduct}): for
     * comparing the two paths on any machine.
     */
    public NativeKernels atbAlways() {
        return new NativeKernels(status, smallGemm, wideTiles, true);
    }

    /** Which libraries were loaded, from where, OpenBLAS's configuration, core and threads. */
    public NativeLibraries.Status status() {
        return status;
    }

    @Override
    public String name() {
        return "native";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float alpha, MemorySegment a, int lda, MemorySegment b, int ldb,
                      float beta, MemorySegment c, int ldc) {
        if (!transA && !transB && alpha == 1f && fastSmallProduct(m, n, k)) {
            rnnk_h.rnnk_sgemm_nn(m, n, k, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        cblas_h.cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /** True where {@link #sgemm} sends an NN product to librnnk's small kernel ({@link SmallGemm}). */
    @Override
    public boolean fastSmallProduct(int m, int n, int k) {
        return smallGemm && SmallGemm.covers(m, n, k, wideTiles);
    }

    @Override
    public void packWeights(MemorySegment packed, MemorySegment w, int ldw, int n, int k) {
        rnnk_h.rnnk_sgemm_pack(packed, w, ldw, n, k);
    }

    @Override
    public void packWeightsTransposed(MemorySegment packed, MemorySegment wT, int ldw, int n, int k) {
        rnnk_h.rnnk_sgemm_pack_transposed(packed, wT, ldw, n, k);
    }

    @Override
    public void sgemmPacked(int m, int n, int k, MemorySegment x, int ldx, MemorySegment packed, float beta,
                            MemorySegment y, int ldy) {
        rnnk_h.rnnk_sgemm_packed(y, ldy, x, ldx, packed, beta, m, n, k);
    }

    /** True where librnnk's packed product beats OpenBLAS ({@link PackedGemm}). */
    @Override
    public boolean fastPackedProduct(int m, int n, int k) {
        return smallGemm && PackedGemm.covers(m, m > PackedGemm.MAX_ROWS_ANY_THREADS ? status.blasThreads() : 1, wideTiles);
    }

    @Override
    public void sgemvPacked(int n, int k, MemorySegment x, MemorySegment packed, float beta, MemorySegment y) {
        rnnk_h.rnnk_sgemv_packed(y, x, packed, beta, n, k);
    }

    /**
     * True unless every product goes to OpenBLAS ({@link #openBlasOnly}) or the CPU lacks AVX-512
     * ({@link PackedGemm#coversVector}): one row on W packed once reads W at least as fast as
     * OpenBLAS's sgemv on W in place there (docs/performance.md, "A single stream's product on the
     * packed weights").
     */
    @Override
    public boolean fastPackedVector(int n, int k) {
        return smallGemm && PackedGemm.coversVector(wideTiles);
    }

    @Override
    public void sgemmAtB(int m, int n, int k, MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment scratch,
                         MemorySegment c, int ldc) {
        rnnk_h.rnnk_sgemm_atb(c, ldc, a, lda, b, ldb, scratch, m, n, k);
    }

    @Override
    public long atbScratchFloats(int n) {
        return rnnk_h.rnnk_sgemm_atb_scratch_floats(n);
    }

    /** True where librnnk's weight-gradient product beats OpenBLAS's ({@link PackedGemm#coversAtB}). */
    @Override
    public boolean fastAtBProduct(int m, int n, int k) {
        return atbAlways || smallGemm && PackedGemm.coversAtB(wideTiles, status.blasThreads(), avx512Blas);
    }

    @Override
    public void sgemv(boolean transA, int m, int n, float alpha, MemorySegment a, int lda,
                      MemorySegment x, float beta, MemorySegment y) {
        cblas_h.cblas_sgemv(ROW_MAJOR, transA ? TRANS : NO_TRANS, m, n, alpha, a, lda, x, 1, beta, y, 1);
    }

    @Override
    public void saxpy(int n, float alpha, MemorySegment x, MemorySegment y) {
        cblas_h.cblas_saxpy(n, alpha, x, 1, y, 1);
    }

    @Override
    public void sscal(int n, float alpha, MemorySegment x) {
        cblas_h.cblas_sscal(n, alpha, x, 1);
    }

    @Override
    public float sdot(int n, MemorySegment x, MemorySegment y) {
        return cblas_h.cblas_sdot(n, x, 1, y, 1);
    }

    @Override
    public float snrm2(int n, MemorySegment x) {
        return cblas_h.cblas_snrm2(n, x, 1);
    }

    @Override
    public void lstmForwardStep(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment bias,
                                MemorySegment cPrev, int batch, int hidden) {
        rnnk_h.rnnk_lstm_forward_step(h, c, gates, bias, cPrev, batch, hidden);
    }

    @Override
    public void lstmBackwardStep(MemorySegment dgates, MemorySegment dc, MemorySegment dh,
                                 MemorySegment gates, MemorySegment cPrev, MemorySegment c,
                                 int batch, int hidden) {
        rnnk_h.rnnk_lstm_backward_step(dgates, dc, dh, gates, cPrev, c, batch, hidden);
    }
    @Override
    public void gruForwardStep(MemorySegment h, MemorySegment xg, MemorySegment hg, MemorySegment bIh,
                               MemorySegment bHh, MemorySegment hPrev, int batch, int hidden) {
        rnnk_h.rnnk_gru_forward_step(h, xg, hg, bIh, bHh, hPrev, batch, hidden);
    }

    @Override
    public void gruBackwardStep(MemorySegment dxg, MemorySegment dhg, MemorySegment dhPrev, MemorySegment dh,
                                MemorySegment xg, MemorySegment hg, MemorySegment hPrev, int batch, int hidden) {
        rnnk_h.rnnk_gru_backward_step(dxg, dhg, dhPrev, dh, xg, hg, hPrev, batch, hidden);
    }

    @Override
    public void gruResetBeforeGatesForwardStep(MemorySegment xg, MemorySegment rh, MemorySegment hrz, MemorySegment bIh,
                                               MemorySegment bHh, MemorySegment hPrev, int batch, int hidden) {
        rnnk_h.rnnk_gru_reset_before_gates_forward_step(xg, rh, hrz, bIh, bHh, hPrev, batch, hidden);
    }

    @Override
    public void gruResetBeforeStateForwardStep(MemorySegment h, MemorySegment xg, MemorySegment hn, MemorySegment bIh,
                                               MemorySegment bHh, MemorySegment hPrev, int batch, int hidden) {
        rnnk_h.rnnk_gru_reset_before_state_forward_step(h, xg, hn, bIh, bHh, hPrev, batch, hidden);
    }

    @Override
    public void gruResetBeforeStateBackwardStep(MemorySegment dxg, MemorySegment dhPrev, MemorySegment dh, MemorySegment xg,
                                                MemorySegment hPrev, int batch, int hidden) {
        rnnk_h.rnnk_gru_reset_before_state_backward_step(dxg, dhPrev, dh, xg, hPrev, batch, hidden);
    }

    @Override
    public void gruResetBeforeGatesBackwardStep(MemorySegment dxg, MemorySegment dhPrev, MemorySegment drh, MemorySegment xg,
                                                MemorySegment hPrev, int batch, int hidden) {
        rnnk_h.rnnk_gru_reset_before_gates_backward_step(dxg, dhPrev, drh, xg, hPrev, batch, hidden);
    }

    @Override
    public void rnnForwardStep(boolean relu, MemorySegment h, MemorySegment pre, MemorySegment bias,
                               int batch, int hidden) {
        if (relu) {
            rnnk_h.rnnk_rnn_relu_forward_step(h, pre, bias, batch, hidden);
        } else {
            rnnk_h.rnnk_rnn_tanh_forward_step(h, pre, bias, batch, hidden);
        }
    }

    @Override
    public void rnnBackwardStep(boolean relu, MemorySegment dpre, MemorySegment dh, MemorySegment h, int batch, int hidden) {
        if (relu) {
            rnnk_h.rnnk_rnn_relu_backward_step(dpre, dh, h, batch, hidden);
        } else {
            rnnk_h.rnnk_rnn_tanh_backward_step(dpre, dh, h, batch, hidden);
        }
    }

    @Override
    public double softmaxCrossEntropyForwardBackward(MemorySegment dlogits, MemorySegment losses, MemorySegment logits,
                                                     MemorySegment targets, MemorySegment mask, float gradScale,
                                                     int rows, int vocab) {
        return rnnk_h.rnnk_softmax_xent_forward_backward(dlogits, losses, logits, targets, mask, gradScale, rows, vocab);
    }

    @Override
    public double ctcForwardBackward(MemorySegment dlogits, MemorySegment rowLosses, MemorySegment logits, MemorySegment lengths,
                                     MemorySegment labels, MemorySegment labelOffsets, MemorySegment rowScale, MemorySegment scratch,
                                     int steps, int batch, int classes, int blank) {
        return rnnk_h.rnnk_ctc_forward_backward(dlogits, rowLosses, logits, lengths, labels, labelOffsets, rowScale, scratch,
                steps, batch, classes, blank);
    }

    @Override
    public void adamStep(MemorySegment param, MemorySegment expAvg, MemorySegment expAvgSq, MemorySegment grad,
                         double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled,
                         double biasCorrection1, double biasCorrection2, long n) {
        rnnk_h.rnnk_adam_step(param, expAvg, expAvgSq, grad, lr, beta1, beta2, eps, weightDecay, decoupled ? 1 : 0,
                biasCorrection1, biasCorrection2, n);
    }

    @Override
    public void sgdStep(MemorySegment param, MemorySegment momentumBuffer, MemorySegment grad,
                        double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                        boolean firstStep, long n) {
        rnnk_h.rnnk_sgd_step(param, momentumBuffer, grad, lr, momentum, dampening, weightDecay, nesterov ? 1 : 0,
                firstStep ? 1 : 0, n);
    }

    @Override
    public void int8Linear(MemorySegment y, int ldy, MemorySegment xq, MemorySegment xScale, MemorySegment x, int ldx,
                           MemorySegment w, MemorySegment wScale, MemorySegment wComp, float beta, int rows, int n, int k) {
        rnnk_h.rnnk_q8_linear(y, ldy, xq, xScale, x, ldx, w, wScale, wComp, beta, rows, n, k);
    }

    /** Which path librnnk's int8 product runs on this CPU: "AVX-512 VNNI", "AVX2" or "plain C". */
    public static String int8Path() {
        return switch (rnnk_h.rnnk_q8_path()) {
            case 2 -> "AVX-512 VNNI";
            case 1 -> "AVX2";
            default -> "plain C";
        };
    }

    @Override
    public void bf16Linear(MemorySegment y, int ldy, MemorySegment xBf16, MemorySegment x, int ldx, MemorySegment w, float beta,
                           int rows, int n, int k) {
        rnnk_h.rnnk_bf16_linear(y, ldy, xBf16, x, ldx, w, beta, rows, n, k);
    }

    /** Which path librnnk's bf16 product runs on this CPU: "AVX512_BF16" or "plain C". */
    public static String bf16Path() {
        return rnnk_h.rnnk_bf16_path() == 1 ? "AVX512_BF16" : "plain C";
    }
}
