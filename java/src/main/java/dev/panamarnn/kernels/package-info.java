/**
 * The kernels every floor computes with: {@link dev.panamarnn.kernels.Kernels} (GEMM, GEMV, the
 * fused cell steps, losses, optimizer updates), the pure-Java specification
 * {@link dev.panamarnn.kernels.JavaKernels}, the native implementation on OpenBLAS and librnnk, and
 * {@link dev.panamarnn.kernels.CheckedKernels}, which validates every argument before it reaches them.
 */
package dev.panamarnn.kernels;
