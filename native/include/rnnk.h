/*
 * rnnk.h — the public C interface of librnnk: fused pointwise kernels for recurrent networks.
 *
 * What this is: one forward/backward pair per cell step. Each pair applies the gate activations,
 * the state update and its derivative, for B rows of hidden size H, after the caller (Java, through
 * OpenBLAS) has done the GEMMs. What this is not: no GEMM, no allocation, no globals, no I/O.
 *
 * Conventions (the same in every kernel):
 *   - row-major float32, every (B, n) buffer contiguous with row stride n;
 *   - argument order: outputs, then inputs, then what forward saved, sizes last (B, H);
 *     in backward the d-outputs first, then the upstream gradients, then the saved values;
 *   - buffers named d* that backward accumulates into are added to (+=) only where the comment says so.
 * The caller (dev.panamarnn.kernels.CheckedKernels) validates every size; kernels trust their inputs.
 */
#ifndef RNNK_H
#define RNNK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(RNNK_BUILDING) && defined(__GNUC__)
#define RNNK_API __attribute__((visibility("default")))
#else
#define RNNK_API
#endif

/* The kernel ABI version; bumped when a signature changes. */
RNNK_API int32_t rnnk_abi_version(void);

/*
 * LSTM step, gates in PyTorch order i, f, g, o.
 *   gates  (B, 4H) in:  pre-activations  x W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
 *                  out: activations      i = sigmoid, f = sigmoid, g = tanh, o = sigmoid
 *   c_prev (B, H)  in:  c_{t-1}
 *   c      (B, H)  out: c_t = f * c_{t-1} + i * g
 *   h      (B, H)  out: h_t = o * tanh(c_t)
 * c may not alias c_prev. The activated gates, c_prev and c are what backward needs.
 */
RNNK_API void rnnk_lstm_forward_step(float *h, float *c, float *gates, const float *c_prev,
                                     int64_t B, int64_t H);

/*
 * LSTM step backward (mirror of rnnk_lstm_forward_step).
 *   dgates (B, 4H) out:    dL/d(pre-activations) of i, f, g, o (written, not accumulated)
 *   dc     (B, H)  in/out: in dL/dc_t from later steps; out dL/dc_{t-1} = (dc_t + dh_t o (1 - tanh^2 c_t)) f
 *   dh     (B, H)  in:     dL/dh_t, all contributions (output and recurrence)
 *   gates  (B, 4H) in:     activations saved by forward
 *   c_prev (B, H)  in:     c_{t-1};  c (B, H) in: c_t
 */
RNNK_API void rnnk_lstm_backward_step(float *dgates, float *dc, const float *dh,
                                      const float *gates, const float *c_prev, const float *c,
                                      int64_t B, int64_t H);

#ifdef __cplusplus
}
#endif

#endif /* RNNK_H */
