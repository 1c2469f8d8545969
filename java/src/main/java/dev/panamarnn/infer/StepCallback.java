package dev.panamarnn.infer;

/**
 * Receives the result of one step submitted to a {@link StreamBatcher}: called exactly once, on the
 * batcher's worker thread, with the output array the caller gave (holding the top layer's h_t) and
 * a null failure, or with a null output and the failure (e.g. {@link IllegalStateException} when the
 * stream or the model was closed meanwhile). Keep it short — the next batch waits for it — and hand
 * heavy work to another executor. It may submit the stream's next step. Whatever it throws is
 * ignored, errors included, except a {@link VirtualMachineError} (out of memory, stack
 * overflow), which stops the batcher's worker: the steps still queued then fail.
 */
@FunctionalInterface
public interface StepCallback {
    void completed(float[] output, Throwable failure);
}
