/**
 * Serving: {@link dev.panamarnn.infer.InferenceModel} (an immutable copy of a network or a whole
 * model, shared by every thread), {@link dev.panamarnn.infer.StreamState} (one stream's state; a
 * step allocates nothing), {@link dev.panamarnn.infer.StreamBatcher} (many streams' steps in one
 * GEMM per layer) and snapshots that move a stream between processes.
 */
package dev.panamarnn.infer;
