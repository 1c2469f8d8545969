/*
 * rnnk.h — the public C interface of librnnk: fused pointwise kernels for recurrent networks.
 *
 * What this is: one forward/backward pair per cell step. Each pair applies the gate activations,
 * the state update and its derivative, for B rows of hidden size H, after the caller (Java, through
 * OpenBLAS) has done the GEMMs. Plus what training needs around the cells (ABI 3): the fused
 * softmax cross-entropy forward + backward and the Adam/AdamW and SGD updates over a flat slab,
 * and (ABI 4) one small single-threaded GEMM for the recurrent products of small steps, where
 * OpenBLAS's per-call overhead dominates. And (ABI 5) one thread pool, shared by OpenBLAS's GEMM
 * jobs and the step kernels' rows (see rnnk_pool_set_threads): the only threads and the only
 * global state librnnk has. What this is not: no BLAS (the large GEMMs stay with OpenBLAS), no
 * allocation, no I/O.
 *
 * Conventions (the same in every kernel):
 *   - row-major float32, every (B, n) buffer contiguous with row stride n;
 *   - argument order: outputs, then inputs, then what forward saved, sizes last (B, H);
 *     in backward the d-outputs first, then the upstream gradients, then the saved values;
 *   - buffers named d* that backward accumulates into are added to (+=) only where the comment says so;
 *   - except rnnk_sgemm_nn, which takes BLAS's argument order (sizes first, then each matrix with
 *     its leading dimension).
 * The caller (dev.panamarnn.kernels.CheckedKernels) validates every size; kernels trust their inputs.
 *
 * SIMD: each kernel is compiled for AVX-512F, AVX2 and baseline x86-64 and the best is picked
 * at load time (GCC target_clones, an IFUNC per symbol); all variants give bit-identical results,
 * except rnnk_sgemm_nn, whose variants use FMA where the CPU has it (see below).
 * Activations use librnnk's own exp/sigmoid/tanh, within 2.5 ulp of the exact value and 1e-7
 * absolute (native/src/activations.h states and native/tests/activations_test.c checks the bounds).
 */
#ifndef RNNK_H
#define RNNK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(RNNK_BUILDING) && defined(__GNUC__)
#define RNNK_API __attribute__((visibility("default")))
#else
#define RNNK_API
#endif

/* The kernel ABI version; bumped when a signature changes or a kernel is added.
 * 1: LSTM.  2: + GRU, RNN tanh/relu.  3: + softmax cross-entropy, Adam/AdamW, SGD.
 * 4: + rnnk_sgemm_nn.  5: + the thread pool (rnnk_pool_*).
 * 6: the forward step kernels add the biases themselves (a bias argument each), so the caller's
 *    input projection writes X W_ih^T with beta = 0 instead of onto bias rows filled first.
 * 7: + the GRU with the reset gate before the recurrent product (rnnk_gru_reset_before_*).
 * 8: + the CTC loss (rnnk_ctc_forward_backward).
 * 9: + the GEMM on weights packed once (rnnk_sgemm_packed_floats, rnnk_sgemm_pack, rnnk_sgemm_packed).
 * 10: + the int8 and bf16 products of reduced-precision inference (rnnk_q8_linear, rnnk_q8_path,
 *    rnnk_bf16_linear, rnnk_bf16_path).
 * 11: rnnk_q8_linear reads its weights packed for AVX-512 VNNI (blocks of 64 rows, four columns of a
 *    row together) and writes its quantized rows round_up(K, 4) bytes apart.
 * 12: + rnnk_sgemm_pack_transposed (the packed form from W^T, for the backward's products by W).
 * 13: + rnnk_sgemv_packed (one row on the packed form: a single stream's step).
 * 14: + rnnk_sgemm_atb_scratch_floats, rnnk_sgemm_atb (the weight gradients' product A^T B),
 *    rnnk_sgemm_packed_tile_rows. */
RNNK_API int32_t rnnk_abi_version(void);

/*
 * LSTM step, gates in PyTorch order i, f, g, o.
 *   gates  (B, 4H) in:  the GEMMs         x W_ih^T + h_{t-1} W_hh^T
 *                  out: activations      i = sigmoid, f = sigmoid, g = tanh, o = sigmoid
 *                       of the pre-activations gates + bias
 *   bias   (4H)    in:  b_ih + b_hh, added to every row
 *   c_prev (B, H)  in:  c_{t-1}
 *   c      (B, H)  out: c_t = f * c_{t-1} + i * g
 *   h      (B, H)  out: h_t = o * tanh(c_t)
 * No two buffers may overlap (c may not alias c_prev). The activated gates, c_prev and c are
 * what backward needs.
 */
RNNK_API void rnnk_lstm_forward_step(float *h, float *c, float *gates, const float *bias,
                                     const float *c_prev, int64_t B, int64_t H);

/*
 * LSTM step backward (mirror of rnnk_lstm_forward_step).
 *   dgates (B, 4H) out:    dL/d(pre-activations) of i, f, g, o (written, not accumulated)
 *   dc     (B, H)  in/out: in dL/dc_t from later steps; out dL/dc_{t-1} = (dc_t + dh_t o (1 - tanh^2 c_t)) f
 *   dh     (B, H)  in:     dL/dh_t, all contributions (output and recurrence)
 *   gates  (B, 4H) in:     activations saved by forward
 *   c_prev (B, H)  in:     c_{t-1};  c (B, H) in: c_t
 * No two buffers may overlap.
 */
RNNK_API void rnnk_lstm_backward_step(float *dgates, float *dc, const float *dh,
                                      const float *gates, const float *c_prev, const float *c,
                                      int64_t B, int64_t H);

/*
 * GRU step, gates in PyTorch order r, z, n:
 *   r = sigmoid(xr + b_ir + hr + b_hr), z = sigmoid(xz + b_iz + hz + b_hz),
 *   n = tanh(xn + b_in + r * (hn + b_hn)),
 *   h_t = (1 - z) * n + z * h_{t-1}   (evaluated as n + z * (h_{t-1} - n), PyTorch's order)
 *   h      (B, H)  out: h_t
 *   xg     (B, 3H) in:  x W_ih^T without bias (r, z, n parts xr, xz, xn)
 *                  out: activations r, z, n (saved for backward)
 *   hg     (B, 3H) in:  h_{t-1} W_hh^T without bias (hr, hz, hn)
 *                  out: hg + b_hh (its n part, W_hn h_{t-1} + b_hn, is saved for backward)
 *   b_ih   (3H)    in:  input bias b_ir, b_iz, b_in
 *   b_hh   (3H)    in:  recurrent bias b_hr, b_hz, b_hn
 *   h_prev (B, H)  in:  h_{t-1}
 * No two buffers may overlap (h may not alias h_prev). xg, hg and h_prev are what backward needs.
 */
RNNK_API void rnnk_gru_forward_step(float *h, float *xg, float *hg, const float *b_ih,
                                    const float *b_hh, const float *h_prev, int64_t B, int64_t H);

/*
 * GRU step backward (mirror of rnnk_gru_forward_step). All outputs are written, not accumulated.
 *   dxg     (B, 3H) out: dL/d(input pre-activations) r, z, n = (dr_pre, dz_pre, dn_pre)
 *   dhg     (B, 3H) out: dL/d(hidden pre-activations incl. b_hh) = (dr_pre, dz_pre, dn_pre * r);
 *                        dL/dh_{t-1} += dhg W_hh, dW_hh += dhg^T h_{t-1}, db_hh += sum_b dhg
 *   dh_prev (B, H)  out: the direct part of dL/dh_{t-1}, dh_t * z (the caller then adds dhg W_hh)
 *   dh      (B, H)  in:  dL/dh_t, all contributions (output and recurrence)
 *   xg      (B, 3H) in:  activations r, z, n saved by forward
 *   hg      (B, 3H) in:  hg + b_hh saved by forward (only the n part, W_hn h_{t-1} + b_hn, is read)
 *   h_prev  (B, H)  in:  h_{t-1}
 * dn = dh (1 - z), dz = dh (h_{t-1} - n), dn_pre = dn (1 - n^2), dr_pre = dn_pre (W_hn h + b_hn) r (1 - r),
 * dz_pre = dz z (1 - z). No two buffers may overlap.
 */
RNNK_API void rnnk_gru_backward_step(float *dxg, float *dhg, float *dh_prev, const float *dh,
                                     const float *xg, const float *hg, const float *h_prev,
                                     int64_t B, int64_t H);

/*
 * GRU with the reset gate applied before the recurrent product (ONNX GRU with
 * linear_before_reset = 0, ONNX's default; Keras GRU(reset_after=False); Cho et al. 2014), with
 * PyTorch's gate order r, z, n and parameter layout (W_hh = [W_hr; W_hz; W_hn], (3H, H)):
 *   r = sigmoid(xr + b_ir + hr + b_hr),  z = sigmoid(xz + b_iz + hz + b_hz),   [hr | hz] = h_{t-1} W_h{r,z}^T
 *   n = tanh(xn + b_in + hn + b_hn),                                           hn = (r * h_{t-1}) W_hn^T
 *   h_t = (1 - z) * n + z * h_{t-1}   (evaluated as n + z * (h_{t-1} - n), as rnnk_gru_forward_step)
 * The second recurrent product needs r, so a step is two kernels around the caller's two GEMMs:
 *   forward:  hrz = h_{t-1} W_h{r,z}^T; gates_forward (r, z, r * h_{t-1}); hn = (r * h_{t-1}) W_hn^T;
 *             state_forward (n, h_t)
 *   backward: state_backward (dz_pre, dn_pre, dh_t z); drh = dn_pre W_hn; gates_backward (dr_pre,
 *             dh_{t-1} += drh r); dh_{t-1} += (dr_pre, dz_pre) W_h{r,z}
 * The hidden pre-activations' gradients equal the input ones (dr_pre, dz_pre, dn_pre): no r
 * separates them, so dW_hr,z += (dr_pre, dz_pre)^T h_{t-1}, dW_hn += dn_pre^T (r * h_{t-1}), and
 * db_hh = db_ih. The caller keeps r * h_{t-1} of every step for dW_hn.
 *
 * Step forward, first half: the reset and update gates, and the reset hidden state.
 *   xg     (B, 3H) in:  x W_ih^T without bias (xr, xz, xn)
 *                  out: r, z in the first 2H columns (saved for backward); xn untouched
 *   rh     (B, H)  out: r * h_{t-1}, the second product's input (saved for dW_hn)
 *   hrz    (B, 2H) in:  h_{t-1} W_h{r,z}^T without bias (hr, hz)
 *   b_ih   (3H)    in:  b_ir, b_iz, b_in (the first 2H read)
 *   b_hh   (3H)    in:  b_hr, b_hz, b_hn (the first 2H read)
 *   h_prev (B, H)  in:  h_{t-1}
 * No two buffers may overlap.
 */
RNNK_API void rnnk_gru_reset_before_gates_forward_step(float *xg, float *rh, const float *hrz,
                                                       const float *b_ih, const float *b_hh,
                                                       const float *h_prev, int64_t B, int64_t H);

/*
 * Step forward, second half: the new gate and the state.
 *   h      (B, H)  out: h_t
 *   xg     (B, 3H) in:  r, z (from the first half), xn = x W_in^T without bias
 *                  out: n in the last H columns (r, z, n: what backward reads)
 *   hn     (B, H)  in:  (r * h_{t-1}) W_hn^T without bias
 *   b_ih   (3H)    in:  the last H (b_in) read
 *   b_hh   (3H)    in:  the last H (b_hn) read
 *   h_prev (B, H)  in:  h_{t-1}
 * No two buffers may overlap (h may not alias h_prev).
 */
RNNK_API void rnnk_gru_reset_before_state_forward_step(float *h, float *xg, const float *hn,
                                                       const float *b_ih, const float *b_hh,
                                                       const float *h_prev, int64_t B, int64_t H);

/*
 * Step backward, first half (mirror of the state forward). Written, not accumulated.
 *   dxg     (B, 3H) out: dz_pre, dn_pre in the last 2H columns; the first H (dr_pre) untouched
 *   dh_prev (B, H)  out: the direct part of dL/dh_{t-1}, dh_t * z
 *   dh      (B, H)  in:  dL/dh_t, all contributions (output and recurrence)
 *   xg      (B, 3H) in:  r, z, n saved by forward
 *   h_prev  (B, H)  in:  h_{t-1}
 * dn = dh (1 - z), dz = dh (h_{t-1} - n), dn_pre = dn (1 - n^2), dz_pre = dz z (1 - z).
 * The caller then forms drh = dn_pre W_hn (dL/d(r * h_{t-1})). No two buffers may overlap.
 */
RNNK_API void rnnk_gru_reset_before_state_backward_step(float *dxg, float *dh_prev, const float *dh,
                                                        const float *xg, const float *h_prev,
                                                        int64_t B, int64_t H);

/*
 * Step backward, second half (mirror of the gates forward).
 *   dxg     (B, 3H) out:    dr_pre = drh h_{t-1} r (1 - r) in the first H columns; the rest untouched
 *   dh_prev (B, H)  in/out: += drh * r (the path through r * h_{t-1}); the caller then adds
 *                           (dr_pre, dz_pre) W_h{r,z}
 *   drh     (B, H)  in:     dL/d(r * h_{t-1}) = dn_pre W_hn
 *   xg      (B, 3H) in:     r, z, n saved by forward (r read)
 *   h_prev  (B, H)  in:     h_{t-1}
 * No two buffers may overlap.
 */
RNNK_API void rnnk_gru_reset_before_gates_backward_step(float *dxg, float *dh_prev, const float *drh,
                                                        const float *xg, const float *h_prev,
                                                        int64_t B, int64_t H);

/*
 * Vanilla RNN step with tanh: h_t = tanh(pre + bias).
 *   h    (B, H) out: h_t (saved for backward)
 *   pre  (B, H) in:  x W_ih^T + h_{t-1} W_hh^T
 *   bias (H)    in:  b_ih + b_hh, added to every row
 * h may be pre itself (in place); no other overlap.
 */
RNNK_API void rnnk_rnn_tanh_forward_step(float *h, const float *pre, const float *bias,
                                         int64_t B, int64_t H);

/*
 * Vanilla RNN tanh step backward: dpre = dh * (1 - h^2) (written, not accumulated).
 *   dpre (B, H) out: dL/d pre;  the caller adds dpre W_hh to dL/dh_{t-1}
 *   dh   (B, H) in:  dL/dh_t, all contributions
 *   h    (B, H) in:  h_t saved by forward
 * dpre may be dh itself (in place); no other overlap.
 */
RNNK_API void rnnk_rnn_tanh_backward_step(float *dpre, const float *dh, const float *h,
                                          int64_t B, int64_t H);

/*
 * Vanilla RNN step with relu: h_t = max(0, pre + bias), evaluated as p <= 0 ? +0 : p for
 * p = pre + bias, so a NaN pre-activation gives NaN out (never a silent 0) and -0 gives +0.
 *   h    (B, H) out: h_t (saved for backward)
 *   pre  (B, H) in:  x W_ih^T + h_{t-1} W_hh^T
 *   bias (H)    in:  b_ih + b_hh, added to every row
 * h may be pre itself (in place); no other overlap.
 */
RNNK_API void rnnk_rnn_relu_forward_step(float *h, const float *pre, const float *bias,
                                         int64_t B, int64_t H);

/*
 * Vanilla RNN relu step backward: dpre = h > 0 ? dh : 0 (written, not accumulated), evaluated
 * as h <= 0 ? 0 : dh, so where h is NaN the gradient passes through (as PyTorch's
 * threshold_backward does) instead of being masked to 0.
 *   dpre (B, H) out: dL/d pre;  the caller adds dpre W_hh to dL/dh_{t-1}
 *   dh   (B, H) in:  dL/dh_t, all contributions
 *   h    (B, H) in:  h_t saved by forward
 * dpre may be dh itself (in place); no other overlap.
 */
RNNK_API void rnnk_rnn_relu_backward_step(float *dpre, const float *dh, const float *h,
                                          int64_t B, int64_t H);

/*
 * Softmax cross-entropy over a vocabulary of V classes for N rows, forward and backward in one
 * pass over each row (native/src/loss.c):
 *   loss_n    = -log softmax(logits_n)[targets_n] = log sum_j e^{x_nj - m_n} - (x_{n,t_n} - m_n),
 *               m_n = max_j x_nj (numerically stable: no exp overflows; the sum is kept in double)
 *   dlogits_n = mask_n * grad_scale * (softmax(logits_n) - onehot(targets_n))
 *   returns     sum_n mask_n * loss_n (double)
 *   dlogits    (N, V) out: written, not accumulated; NULL: forward only (logits are not touched).
 *                          May be logits itself (in place); no other overlap.
 *   losses     (N)    out: loss_n per row (0 for masked rows), or NULL
 *   logits     (N, V) in
 *   targets    (N)    in:  class ids in [0, V) (read only for rows with mask != 0)
 *   mask       (N)    in:  row weights, 0 for padded rows (no loss, zero gradient, logits and
 *                          target not read), 1 otherwise; NULL: every row has weight 1
 *   grad_scale        the gradient's factor, usually 1 / sum_n mask_n (the mean's divisor)
 * NaN in a row's logits gives NaN loss and gradient for that row; +inf too (inf - inf).
 */
RNNK_API double rnnk_softmax_xent_forward_backward(float *dlogits, float *losses, const float *logits,
                                                   const int32_t *targets, const float *mask,
                                                   float grad_scale, int64_t N, int64_t V);

/*
 * The CTC loss of B rows of per-step logits and its gradient (native/src/ctc.c), row after row in
 * the log domain, in double:
 *   loss_b    = -log p(l_b | x_b), summed over the alignments of the label l_b (S_b ids, no blanks)
 *               to the row's first lengths[b] steps
 *   dlogits   = row_scale[b] * d loss_b / d logits (through log_softmax), 0 at steps t >= lengths[b]
 *   returns     sum_b row_scale[b] * loss_b
 *   dlogits       (T, B, C) out, time-major: written at every step, or NULL for the loss only
 *   row_losses    (B) out: loss_b, or NULL
 *   logits        (T, B, C) in, time-major
 *   lengths       (B) in: steps of each row, in [1, T]
 *   labels        in: every row's label ids, concatenated; row b's are [label_offsets[b], label_offsets[b+1])
 *   label_offsets (B + 1) in
 *   row_scale     (B) in: each row's factor, e.g. 1 / (B max(1, S_b)) for PyTorch's mean reduction
 *   scratch       in/out: at least 2 T_b (2 S_b + 1) + T_b C + C doubles for the largest row
 * Unchecked: ids in [0, C) other than blank, each label alignable to its row (S_b plus one per pair
 * of equal neighbours <= lengths[b]); the library checks these before the call.
 */
RNNK_API double rnnk_ctc_forward_backward(float *dlogits, double *row_losses, const float *logits, const int32_t *lengths,
                                          const int32_t *labels, const int64_t *label_offsets, const float *row_scale,
                                          double *scratch, int64_t T, int64_t B, int64_t C, int64_t blank);

/*
 * One Adam (decoupled = 0) or AdamW (decoupled = 1) step over n floats, torch.optim semantics and
 * order (PyTorch 1.13 single-tensor path, amsgrad off), with t the 1-based step number:
 *   AdamW: theta = theta * (1 - lr * weight_decay)
 *   Adam:  g = g + weight_decay * theta          (only when weight_decay != 0)
 *   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g
 *   theta = theta - lr / bias_correction1 * m / (sqrt(v) / sqrt(bias_correction2) + eps)
 *   param      (n) in/out: theta;   exp_avg (n) in/out: m;   exp_avg_sq (n) in/out: v
 *   grad       (n) in:     dL/dtheta
 *   bias_correction1 = 1 - beta1^t, bias_correction2 = 1 - beta2^t (the caller's pow)
 * Hyperparameters are doubles (Python floats) rounded to float where PyTorch rounds them.
 * No two buffers may overlap.
 */
RNNK_API void rnnk_adam_step(float *param, float *exp_avg, float *exp_avg_sq, const float *grad,
                             double lr, double beta1, double beta2, double eps, double weight_decay,
                             int32_t decoupled, double bias_correction1, double bias_correction2,
                             int64_t n);

/*
 * One SGD step over n floats, torch.optim.SGD semantics and order (PyTorch 1.13):
 *   d = g + weight_decay * theta                 (only when weight_decay != 0)
 *   momentum != 0: buf = first_step ? d : momentum * buf + (1 - dampening) * d
 *                  d = nesterov ? d + momentum * buf : buf
 *   theta = theta - lr * d
 *   param           (n) in/out: theta
 *   momentum_buffer (n) in/out: buf (not read on the first step); may be NULL when momentum == 0
 *   grad            (n) in:     dL/dtheta
 * No two buffers may overlap.
 */
RNNK_API void rnnk_sgd_step(float *param, float *momentum_buffer, const float *grad,
                            double lr, double momentum, double dampening, double weight_decay,
                            int32_t nesterov, int32_t first_step, int64_t n);

/*
 * C (M, N) = beta * C + A (M, K) * B (K, N); row-major with leading dimensions lda, ldb, ldc;
 * single-threaded. For the small recurrent products of a time step, where OpenBLAS's packing and
 * thread hand-off cost more than the arithmetic. beta = 0 does not read C. Every element is the
 * sum over k in increasing order; with FMA (one rounding per multiply-add) on CPUs with AVX2+FMA
 * or AVX-512, with a multiply and an add otherwise, so results differ across CPUs in the last bits.
 */
RNNK_API void rnnk_sgemm_nn(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
                            const float *B, int64_t ldb, float beta, float *C, int64_t ldc);

/*
 * A product with a weight matrix packed once (native/src/gemm_packed.c), for the weight products
 * of a step of many rows, which OpenBLAS would repack on every call:
 *   rnnk_sgemm_packed_floats  how many floats the packed form of W (N, K) takes;
 *   rnnk_sgemm_pack           packed out: W (N, K; row stride ldw >= K) packed, in panels of 32
 *                             rows of W, each stored k-major (32 floats per k, zero past row N);
 *   rnnk_sgemm_pack_transposed packed out: the same form of W (N, K), read from its transpose
 *                             Wt = W^T (K, N; row stride ldw >= N); rnnk_sgemm_packed then gives
 *                             C = beta * C + A * Wt, the product by the matrix as stored;
 *   rnnk_sgemm_packed         C (M, N; row stride ldc) = beta * C + A (M, K; row stride lda) * W^T,
 *                             W given packed; beta 0: C is not read (NaN in C does not propagate).
 * Single-threaded, no allocation. Each element of C is the sum over k in increasing order; like
 * rnnk_sgemm_nn its variants use FMA where the CPU has it (widest registers on AVX-512), so they
 * agree within float32 rounding, not bit for bit.
 */
RNNK_API int64_t rnnk_sgemm_packed_floats(int64_t N, int64_t K);
RNNK_API void rnnk_sgemm_pack(float *packed, const float *W, int64_t ldw, int64_t N, int64_t K);
RNNK_API void rnnk_sgemm_pack_transposed(float *packed, const float *Wt, int64_t ldw, int64_t N, int64_t K);
RNNK_API void rnnk_sgemm_packed(float *C, int64_t ldc, const float *A, int64_t lda, const float *packed,
                                float beta, int64_t M, int64_t N, int64_t K);

/*
 * One row on the same packed form (native/src/gemv_packed.c), for a single stream's step:
 *   rnnk_sgemv_packed  y (N) = beta * y + W x, x (K), W (N, K) given packed by rnnk_sgemm_pack;
 *                      beta 0: y is not read.
 * Bound by reading W once; each element is the sum of four partial sums over k = 0, 1, 2, 3 mod 4
 * (each over k increasing), added as (s0 + s1) + (s2 + s3): it agrees with rnnk_sgemm_packed's
 * row within float32 rounding, not bit for bit. FMA where the CPU has it; single-threaded.
 */
RNNK_API void rnnk_sgemv_packed(float *y, const float *x, const float *packed, float beta, int64_t N, int64_t K);

/*
 * The weight gradients' product on the same kernel (native/src/gemm_packed.c), dW (M, N) += dG^T X
 * over the T*B rows of a training pass, which OpenBLAS would run on its own kernels:
 *   rnnk_sgemm_atb_scratch_floats  how many floats of scratch rnnk_sgemm_atb needs for N columns;
 *   rnnk_sgemm_atb                 C (M, N; row stride ldc) += A^T B, A (K, M; row stride lda) and
 *                                  B (K, N; row stride ldb) as stored; scratch (at least
 *                                  rnnk_sgemm_atb_scratch_floats(N) floats) holds blocks of A and B
 *                                  packed, its contents before and after are of no meaning.
 * Single-threaded, no allocation. Each element of C is C + a_0 b_0 + a_1 b_1 + ... in increasing
 * k, one multiply-add per k (FMA where the CPU has it), however the product is blocked.
 */
RNNK_API int64_t rnnk_sgemm_atb_scratch_floats(int64_t N);
/* rows of C per tile of these kernels on this CPU: 8 with AVX-512 (zmm registers), else 2 */
RNNK_API int32_t rnnk_sgemm_packed_tile_rows(void);
RNNK_API void rnnk_sgemm_atb(float *C, int64_t ldc, const float *A, int64_t lda, const float *B, int64_t ldb,
                             float *scratch, int64_t M, int64_t N, int64_t K);

/*
 * The thread pool (native/src/pool.c). The LSTM and GRU step kernels (forward and backward) split
 * their rows over it when a step is large enough and no other thread is using it; rows never
 * depend on each other, so the result is the same bit for bit however the rows are split. By
 * default the pool has 1 thread (the caller) and nothing is split.
 *
 * rnnk_pool_set_threads: from now on, split the kernels' rows over `threads` threads, the caller
 * included (1: no splitting; values < 1 count as 1); starts helper threads as needed (they are
 * never stopped: idle helpers spin for 0.2 ms after each task, then sleep). Returns the thread
 * count now used, which is smaller only if thread creation failed.
 * rnnk_pool_threads: that count.
 */
RNNK_API int32_t rnnk_pool_set_threads(int32_t threads);
RNNK_API int32_t rnnk_pool_threads(void);

/*
 * For OpenBLAS >= 0.3.27: openblas_set_threads_callback_function(rnnk_pool_openblas_callback)
 * hands every threaded OpenBLAS call's jobs to this pool instead of OpenBLAS's own threads, so
 * that the GEMMs and the kernels take turns on the same threads. Runs dojob(p, jobdata + p *
 * jobdata_elsize, dojob_data) for p in 0..numjobs-1, all at once (OpenBLAS's level-3 jobs wait for
 * each other), job 0 on the calling thread, and returns when all are done; calls from several
 * threads take turns. The pool grows to numjobs threads if it has fewer. Same signature as
 * OpenBLAS's openblas_threads_callback; rnnk_openblas_dojob is its openblas_dojob_callback.
 */
typedef void (*rnnk_openblas_dojob)(int thread_num, void *jobdata, int dojob_data);
RNNK_API void rnnk_pool_openblas_callback(int sync, rnnk_openblas_dojob dojob, int numjobs,
                                          size_t jobdata_elsize, void *jobdata, int dojob_data);

/*
 * The int8 linear product of quantized inference (native/src/quant.c; docs/quantization.md):
 * dynamic symmetric quantization of each activation row, an exact int32 product with int8
 * weights quantized once per output row, dequantization:
 *   per row b:  s_b = max_k |x[b, k]| / 127,  q[b, k] = 128 + rne(x[b, k] * (127 / max_k |x[b, k]|))
 *               (rne: round to nearest, ties to even; q - 128 in [-127, 127]);
 *               a row with a NaN or infinity gets s_b = NaN, a row with max |x| < 2^-120 s_b = 0
 *   y[b, n] = beta * y[b, n] + (float) (sum_k (q[b, k] - 128) * w[n, k]) * (s_b * w_scale[n])
 *               (beta = 0: y is not read; the integer sum is exact)
 *   y       (B, N)  out, row stride ldy
 *   x_q     (B, K4) out: the quantized rows (scratch), K4 = round_up(K, 4) bytes apart, the bytes
 *                   past K set to 128 (the value 0)
 *   x_scale (B)     out: s_b
 *   x       (B, K)  in, row stride ldx
 *   w       (N, K)  in: int8 weights in [-127, 127], packed once (round_up(N, 64) * K4 bytes): the
 *                   rows in blocks of 64, the columns in groups of four; w[n, k] is at byte
 *                   (n / 64) * 64 * K4 + (k / 4) * 256 + (n % 64) * 4 + k % 4, every other byte 0
 *   w_scale (N)     in: each weight row's scale (w_float ~ w * w_scale)
 *   w_comp  (N)     in: 128 * sum_k w[n, k] (the u8 x s8 instruction's correction)
 * The AVX-512 VNNI, AVX2 and plain C paths give bit-identical results; the one used is chosen
 * once for the CPU; rnnk_q8_path says which: 2 AVX-512 VNNI, 1 AVX2, 0 plain C.
 * x_q and x_scale must not overlap the other buffers.
 */
RNNK_API void rnnk_q8_linear(float *y, int64_t ldy, uint8_t *x_q, float *x_scale, const float *x, int64_t ldx,
                             const int8_t *w, const float *w_scale, const int32_t *w_comp, float beta,
                             int64_t B, int64_t N, int64_t K);
RNNK_API int32_t rnnk_q8_path(void);

/*
 * The bf16 linear product of reduced-precision inference (native/src/bf16.c; docs/quantization.md):
 *   x_bf16[b, k] = x[b, k] rounded to bf16 (its upper 16 bits, round to nearest even; NaN kept)
 *   y[b, n] = beta * y[b, n] + sum_k x_bf16[b, k] * w[n, k]   (float sums; beta = 0: y not read)
 *   y      (B, N)  out, row stride ldy
 *   x_bf16 (B, K)  out: the rounded rows (scratch), contiguous
 *   x      (B, K)  in, row stride ldx
 *   w      (N, K)  in: bf16 weights, contiguous
 * Paths: AVX512_BF16 (vdpbf16ps; denormal inputs count as zero) or plain C, chosen once;
 * rnnk_bf16_path says which (1 AVX512_BF16, 0 plain C). They agree to float rounding of the sums.
 */
RNNK_API void rnnk_bf16_linear(float *y, int64_t ldy, uint16_t *x_bf16, const float *x, int64_t ldx, const uint16_t *w,
                               float beta, int64_t B, int64_t N, int64_t K);
RNNK_API int32_t rnnk_bf16_path(void);

#ifdef __cplusplus
}
#endif

#endif /* RNNK_H */
