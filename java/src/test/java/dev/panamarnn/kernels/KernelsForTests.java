package dev.panamarnn.kernels;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panamarnn.internal.kernels.JavaKernels;
import dev.panamarnn.internal.kernels.NativeKernels;

/**
 * The two implementations for agreement tests. The native one is loaded directly (not through
 * the JVM-wide selection); when it cannot be loaded the agreement tests are skipped, unless
 * -Drnn.native.strict=true (CI), where that is a failure.
 */
public final class KernelsForTests {
    private static final Object NATIVE = loadNative();

    private KernelsForTests() {}

    public static JavaKernels java() {
        return new JavaKernels();
    }

    public static NativeKernels nativeKernels() {
        if (NATIVE instanceof RuntimeException e) {
            if (Boolean.getBoolean("rnn.native.strict")) {
                throw new AssertionError("native kernels must load with -Drnn.native.strict=true", e);
            }
            assumeTrue(false, "native kernels not available: " + e.getMessage());
        }
        return (NativeKernels) NATIVE;
    }

    /**
     * Java and native kernels; only Java when the native ones cannot load (a pure-Java build) and
     * the run is not strict. For static fields, where an aborted assumption cannot skip a test.
     */
    public static java.util.List<Kernels> both() {
        if (NATIVE instanceof RuntimeException e) {
            if (Boolean.getBoolean("rnn.native.strict")) {
                throw new AssertionError("native kernels must load with -Drnn.native.strict=true", e);
            }
            return java.util.List.of(java());
        }
        return java.util.List.of(java(), (NativeKernels) NATIVE);
    }

    private static Object loadNative() {
        try {
            return NativeKernels.load();
        } catch (RuntimeException e) {
            return e;
        }
    }
}
