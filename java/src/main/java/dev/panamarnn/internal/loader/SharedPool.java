package dev.panamarnn.internal.loader;

import dev.panamarnn.internal.bindings.cblas.cblas_h;
import dev.panamarnn.internal.bindings.rnnk.rnnk_h;
import java.lang.foreign.SymbolLookup;

/**
 * librnnk's thread pool (rnnk.h, ABI 5) as the threads of both OpenBLAS and the fused kernels
 * (docs/performance.md "One pool for OpenBLAS's jobs and the kernel's rows"): OpenBLAS hands every
 * threaded GEMM's jobs to {@code rnnk_pool_openblas_callback}, and the LSTM and GRU step kernels
 * split their rows over the same threads, as many as OpenBLAS's thread count. Results are
 * bit-identical either way; only the threads that run the work change.
 *
 * <p>On by default; {@code -Drnn.pool=false} keeps OpenBLAS's own threads and runs every kernel on
 * its caller. It is also off when the loaded OpenBLAS predates caller-managed threading (0.3.27).
 * The setting is process-wide, as OpenBLAS's thread count is: any other user of the same OpenBLAS
 * in the process gets the pool too.
 */
final class SharedPool {
    static final String PROPERTY = "rnn.pool";
    private static final String OPENBLAS_HOOK = "openblas_set_threads_callback_function";

    private static volatile boolean installed;
    private static volatile String description = "not installed";

    private SharedPool() {}

    /** Installs the pool with {@code threads} threads if enabled and possible (called once, at load). */
    static void install(int threads) {
        String setting = System.getProperty(PROPERTY, "true").trim();
        if (setting.equalsIgnoreCase("false")) {
            description = "off (-D" + PROPERTY + "=false): OpenBLAS's own threads, kernels on the caller";
            return;
        }
        if (!setting.equalsIgnoreCase("true")) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be true or false, got '" + setting + "'");
        }
        if (SymbolLookup.loaderLookup().find(OPENBLAS_HOOK).isEmpty()) {
            description = "off: the loaded OpenBLAS has no " + OPENBLAS_HOOK + " (needs >= 0.3.27)";
            return;
        }
        matchOpenBlas(threads, rnnk_h.rnnk_pool_set_threads(threads));
        cblas_h.openblas_set_threads_callback_function(rnnk_h.rnnk_pool_openblas_callback$address());
        installed = true;
        description = "librnnk's pool runs OpenBLAS's jobs and the kernels' rows";
    }

    /** Keeps the kernels' split in step with OpenBLAS's thread count. */
    static void setThreads(int threads) {
        if (installed) {
            matchOpenBlas(threads, rnnk_h.rnnk_pool_set_threads(threads));
        }
    }

    /**
     * When the pool could start fewer threads than asked (a process or container thread limit),
     * OpenBLAS must not split its GEMMs into more jobs than the pool has threads for.
     */
    private static void matchOpenBlas(int requested, int started) {
        if (started < requested) {
            cblas_h.openblas_set_num_threads(started);
        }
    }

    /** What the pool does in this process, for {@code rnn info} and benchmark headers. */
    static String describe() {
        return installed ? description + " (" + rnnk_h.rnnk_pool_threads() + " threads)" : description;
    }
}
