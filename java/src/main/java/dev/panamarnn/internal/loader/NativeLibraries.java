package dev.panamarnn.internal.loader;

import dev.panamarnn.internal.bindings.cblas.cblas_h;
import dev.panamarnn.internal.bindings.rnnk.rnnk_h;
import java.lang.foreign.MemorySegment;

/**
 * Loads OpenBLAS and librnnk once per JVM, checks librnnk's ABI version against the bindings, and
 * describes what was loaded. The first call does the work; later calls return the same result or
 * rethrow the same failure.
 */
public final class NativeLibraries {
    /** The ABI version the committed bindings were generated for (rnnk_abi_version()). */
    public static final int EXPECTED_RNNK_ABI = 14;
    /** -Drnn.blas.threads=N sets OpenBLAS's thread count at load time. */
    public static final String THREADS_PROPERTY = "rnn.blas.threads";

    private static Status status;
    private static RuntimeException failure;

    private NativeLibraries() {}

    /** What was loaded: paths, OpenBLAS's build configuration, core and thread count. */
    public record Status(String rnnkPath, int rnnkAbi, String blasPath, String blasConfig, String blasCore) {
        /** OpenBLAS's current thread count (it can change at run time). */
        public int blasThreads() {
            return cblas_h.openblas_get_num_threads();
        }

        /** Who runs OpenBLAS's jobs and the kernels' rows: librnnk's pool or not (-Drnn.pool). */
        public String threading() {
            return SharedPool.describe();
        }

        @Override
        public String toString() {
            return "librnnk " + rnnkPath + " (abi " + rnnkAbi + "); OpenBLAS " + blasPath + " [" + blasConfig
                    + "] core " + blasCore + ", " + blasThreads() + " threads; " + threading();
        }
    }

    /** Loads both libraries (once) or throws {@link NativeLoadException} / {@link IllegalStateException}. */
    public static synchronized Status load() {
        if (status != null) {
            return status;
        }
        if (failure != null) {
            throw failure;
        }
        try {
            String blasPath = OpenBlasLoader.load();
            String threads = System.getProperty(THREADS_PROPERTY);
            if (threads != null && !threads.isBlank()) {
                int n = parseThreads(threads);
                if (n < 1) {
                    throw new IllegalArgumentException("-D" + THREADS_PROPERTY + " must be an integer >= 1, got '" + threads + "'");
                }
                cblas_h.openblas_set_num_threads(n);   // OpenBLAS is loaded by now
            }
            String config = cString(cblas_h.openblas_get_config());
            String core = cString(cblas_h.openblas_get_corename());
            String rnnkPath = RnnkLoader.load();
            int abi = rnnk_h.rnnk_abi_version();
            if (abi != EXPECTED_RNNK_ABI) {
                throw new IllegalStateException("librnnk at " + rnnkPath + " has ABI version " + abi
                        + " but these bindings expect " + EXPECTED_RNNK_ABI + "; rebuild librnnk from the same checkout");
            }
            SharedPool.install(cblas_h.openblas_get_num_threads());
            status = new Status(rnnkPath, abi, blasPath, config, core);
            return status;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            failure = e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
            throw failure;
        }
    }

    /** Sets OpenBLAS's thread count (openblas_set_num_threads); n must be >= 1. */
    public static synchronized void setBlasThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("OpenBLAS thread count must be >= 1, got " + n);
        }
        if (status == null) {
            load();   // the symbol resolves only once OpenBLAS is loaded (else the binding's holder class fails for good)
        }
        cblas_h.openblas_set_num_threads(n);
        SharedPool.setThreads(n);
    }

    private static int parseThreads(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + THREADS_PROPERTY + " must be an integer >= 1, got '" + text + "'");
        }
    }

    private static String cString(MemorySegment pointer) {
        return pointer.equals(MemorySegment.NULL) ? "" : pointer.reinterpret(4096).getString(0).trim();
    }
}
