package dev.panamarnn.infer;

import dev.panamarnn.RuntimeInfo;
import dev.panamarnn.internal.kernels.NativeKernels;
import dev.panamarnn.kernels.Kernels;

/**
 * OpenBLAS threads versus service threads (docs/streaming.md "Threads"). OpenBLAS's thread count
 * is one setting for the whole process; its threads spin for a while after each GEMM, so a service
 * whose own threads already keep every core busy loses time when OpenBLAS adds more. Rules:
 * <ul>
 * <li>single-stream steps (GEMV) are too small to split: OpenBLAS runs them on the caller's thread
 *     whatever this says, so a service that steps streams on its own threads wants 1;</li>
 * <li>a {@link StreamBatcher} runs its GEMMs on one worker thread: give OpenBLAS the cores the
 *     service does not keep busy, {@link #recommended(int)}.</li>
 * </ul>
 */
public final class BlasThreads {
    private BlasThreads() {}

    /**
     * Sets OpenBLAS's thread count when {@code model} computes with the native kernels (the libraries
     * are loaded then); with the pure-Java kernels there is nothing to set.
     * @return true if the count was set
     */
    public static boolean set(InferenceModel model, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("OpenBLAS thread count must be >= 1, got " + threads);
        }
        requireModel(model);
        if (!(model.kernels() instanceof NativeKernels)) {
            return false;
        }
        RuntimeInfo.setBlasThreads(threads);
        return true;
    }

    /** OpenBLAS's current thread count for the model's kernels, or 0 for the pure-Java kernels. */
    public static int current(InferenceModel model) {
        requireModel(model);
        Kernels k = model.kernels();
        return k instanceof NativeKernels n ? n.status().blasThreads() : 0;
    }

    private static void requireModel(InferenceModel model) {
        if (model == null) {
            throw new IllegalArgumentException("model is required");
        }
    }

    /**
     * Threads to give OpenBLAS when the service keeps {@code busyServiceThreads} threads busy on
     * this machine's cores: the cores left over, at least 1.
     */
    public static int recommended(int busyServiceThreads) {
        if (busyServiceThreads < 0) {
            throw new IllegalArgumentException("busyServiceThreads must be >= 0, got " + busyServiceThreads);
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors() - busyServiceThreads);
    }
}
