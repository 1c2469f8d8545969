package dev.panamarnn.kernels;

import dev.panamarnn.internal.kernels.JavaKernels;
import dev.panamarnn.internal.kernels.NativeKernels;
import java.util.Locale;

/**
 * Chooses the kernels once per JVM and logs the choice once (DESIGN.md "Kernels"):
 * {@code -Drnn.kernels=native} (default) loads OpenBLAS + librnnk and falls back to the pure-Java
 * kernels with one warning saying why and how to fix it; {@code -Drnn.kernels=java} selects the
 * pure-Java kernels; {@code -Drnn.native.strict=true} turns the fallback into an error.
 * {@link #java()} and {@link #nativeKernels()} choose one explicitly, whatever the properties say.
 * The implementations themselves are not exported: these methods are the way to them.
 */
public final class KernelSelection {
    static final String KERNELS_PROPERTY = "rnn.kernels";
    static final String STRICT_PROPERTY = "rnn.native.strict";
    private static final System.Logger LOG = System.getLogger("dev.panamarnn");

    private KernelSelection() {}

    private static final class Holder {
        static final Kernels SELECTED = select(System.getProperty(KERNELS_PROPERTY, "native"),
                Boolean.getBoolean(STRICT_PROPERTY), NativeKernels::load, LOG);
        static final Kernels CHECKED = new CheckedKernels(SELECTED);
    }

    /** The kernels chosen for this JVM, unchecked: for the library's own hot loops, which validate up front. */
    public static Kernels selected() {
        return Holder.SELECTED;
    }

    /** The kernels chosen for this JVM (once, by {@code -Drnn.kernels}), wrapped in {@link CheckedKernels}. */
    public static Kernels checked() {
        return Holder.CHECKED;
    }

    /**
     * The pure-Java kernels, whatever {@code -Drnn.kernels} says: the executable specification of
     * every primitive; no native library is loaded. Unchecked, like {@link #selected()}: give them to
     * the library (models, trainers, serving validate at their front doors); to call their methods
     * directly, wrap them in {@link CheckedKernels}.
     */
    public static Kernels java() {
        return new JavaKernels();
    }

    /**
     * The native kernels (OpenBLAS + librnnk through FFM), whatever {@code -Drnn.kernels} says and
     * with no fallback: loads both libraries (once per JVM). Unchecked, like {@link #selected()}; to
     * call their methods directly, wrap them in {@link CheckedKernels}.
     *
     * @throws IllegalStateException if they cannot be loaded; the message names what is missing (the
     *         library and the places tried, a librnnk of another ABI version, the bindings jar)
     */
    public static Kernels nativeKernels() {
        return nativeKernels(NativeKernels::load);
    }

    static Kernels nativeKernels(java.util.function.Supplier<? extends Kernels> nativeLoader) {
        try {
            return nativeLoader.get();
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("the native kernels could not be loaded: " + reason(e), e);
        }
    }

    /** The selection rule, separate from the JVM-wide holder so tests can run it with a fake loader. */
    static Kernels select(String requested, boolean strict, java.util.function.Supplier<NativeKernels> nativeLoader,
                          System.Logger log) {
        String choice = requested.trim().toLowerCase(Locale.ROOT);
        switch (choice) {
            case "java" -> {
                log.log(System.Logger.Level.INFO, "panama-rnn kernels: java (-D" + KERNELS_PROPERTY + "=java)");
                return new JavaKernels();
            }
            case "native" -> {
                try {
                    NativeKernels kernels = nativeLoader.get();
                    log.log(System.Logger.Level.INFO, "panama-rnn kernels: native; " + kernels.status());
                    return kernels;
                } catch (RuntimeException | LinkageError e) {
                    String why = reason(e);
                    if (strict) {
                        throw new IllegalStateException("-D" + STRICT_PROPERTY + "=true and the native kernels could not be loaded: "
                                + why, e);
                    }
                    log.log(System.Logger.Level.WARNING, "panama-rnn kernels: java (fallback) because the native kernels "
                            + "could not be loaded: " + why + "\nSet -D" + KERNELS_PROPERTY
                            + "=java to choose them explicitly, or -D" + STRICT_PROPERTY + "=true to make this an error.");
                    return new JavaKernels();
                }
            }
            default -> throw new IllegalArgumentException("-D" + KERNELS_PROPERTY + " must be 'java' or 'native', got '"
                    + requested + "'");
        }
    }

    /** Why loading failed, in words that name the missing piece: a missing class of the bindings jar says which artifact to add. */
    static String reason(Throwable e) {
        String message = String.valueOf(e.getMessage());
        if (e instanceof NoClassDefFoundError && message.contains("dev/panamarnn/internal/bindings")) {
            return "the bindings jar is not on the class path (class " + message + " missing); add the dependency "
                    + "dev.panamarnn:panama-rnn-bindings (it comes with dev.panamarnn:panama-rnn through Maven)";
        }
        return message;
    }
}
