/**
 * The kernels every floor computes with: {@link dev.panamarnn.kernels.Kernels} (GEMM, GEMV, the
 * fused cell steps, losses, optimizer updates), {@link dev.panamarnn.kernels.KernelSelection}, which
 * hands out its two implementations (the pure-Java specification and the native one on OpenBLAS and
 * librnnk; neither is exported), and {@link dev.panamarnn.kernels.CheckedKernels}, which validates
 * every argument before it reaches them.
 */
package dev.panamarnn.kernels;
