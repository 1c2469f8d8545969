package dev.panamarnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.internal.kernels.JavaKernels;
import dev.panamarnn.internal.kernels.NativeKernels;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The selection rule with a faked native loader: which path ran, and what was said. */
class KernelSelectionTest {
    private static final Supplier<NativeKernels> BROKEN = () -> {
        throw new IllegalStateException("librnnk: no such file /nowhere/librnnk.so");
    };

    @Test
    void fallbackToJavaSaysWhyAndHowToFix() {
        RecordingLogger log = new RecordingLogger();
        Kernels kernels = KernelSelection.select("native", false, BROKEN, log);
        assertInstanceOf(JavaKernels.class, kernels);
        assertEquals(1, log.lines.size());
        String line = log.lines.get(0);
        assertTrue(line.startsWith("WARNING panama-rnn kernels: java (fallback)"), line);
        assertTrue(line.contains("no such file /nowhere/librnnk.so"), line);
        assertTrue(line.contains("-Drnn.kernels=java"), line);
    }

    @Test
    void aMissingBindingsJarIsNamedWithTheArtifactToAdd() {
        RecordingLogger log = new RecordingLogger();
        Kernels kernels = KernelSelection.select("native", false, () -> {
            throw new NoClassDefFoundError("dev/panamarnn/internal/bindings/rnnk/rnnk_h");
        }, log);
        assertInstanceOf(JavaKernels.class, kernels);
        String line = log.lines.get(0);
        assertTrue(line.contains("bindings jar is not on the class path") && line.contains("dev.panamarnn:panama-rnn-bindings"), line);
    }

    @Test
    void strictModeTurnsTheFallbackIntoAnError() {
        var e = assertThrows(IllegalStateException.class,
                () -> KernelSelection.select("native", true, BROKEN, new RecordingLogger()));
        assertTrue(e.getMessage().contains("-Drnn.native.strict=true"), e.getMessage());
        assertTrue(e.getMessage().contains("/nowhere/librnnk.so"), e.getMessage());
    }

    @Test
    void javaOnRequestDoesNotTouchTheNativeLoader() {
        RecordingLogger log = new RecordingLogger();
        Kernels kernels = KernelSelection.select("JAVA", true, () -> {
            throw new AssertionError("native loader must not run");
        }, log);
        assertInstanceOf(JavaKernels.class, kernels);
        assertEquals(List.of("INFO panama-rnn kernels: java (-Drnn.kernels=java)"), log.lines);
    }

    @Test
    void unknownChoiceIsRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> KernelSelection.select("cuda", false, BROKEN, new RecordingLogger()));
        assertEquals("-Drnn.kernels must be 'java' or 'native', got 'cuda'", e.getMessage());
    }

    @Test
    void explicitJavaIsThePureJavaImplementation() {
        Kernels kernels = KernelSelection.java();
        assertInstanceOf(JavaKernels.class, kernels);
        assertEquals("java", kernels.name());
    }

    @Test
    void explicitNativeThatCannotLoadSaysWhatIsMissing() {
        var e = assertThrows(IllegalStateException.class, () -> KernelSelection.nativeKernels(BROKEN));
        assertTrue(e.getMessage().startsWith("the native kernels could not be loaded: "), e.getMessage());
        assertTrue(e.getMessage().contains("no such file /nowhere/librnnk.so"), e.getMessage());
    }

    @Test
    void explicitNativeWithoutTheBindingsJarNamesTheArtifact() {
        var e = assertThrows(IllegalStateException.class, () -> KernelSelection.nativeKernels(() -> {
            throw new NoClassDefFoundError("dev/panamarnn/internal/bindings/rnnk/rnnk_h");
        }));
        assertTrue(e.getMessage().contains("dev.panamarnn:panama-rnn-bindings"), e.getMessage());
        assertInstanceOf(NoClassDefFoundError.class, e.getCause());
    }

    @Test
    void explicitNativeLoadsTheNativeImplementation() {
        KernelsForTests.nativeKernels();   // skips the test where they cannot load (and the run is not strict)
        Kernels kernels = KernelSelection.nativeKernels();
        assertInstanceOf(NativeKernels.class, kernels);
        assertEquals("native", kernels.name());
    }

    /** Collects "LEVEL message" lines. */
    static final class RecordingLogger implements System.Logger {
        final List<String> lines = new ArrayList<>();

        @Override public String getName() { return "test"; }
        @Override public boolean isLoggable(Level level) { return true; }
        @Override public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) { lines.add(level + " " + msg); }
        @Override public void log(Level level, ResourceBundle bundle, String format, Object... params) { lines.add(level + " " + format); }
    }
}
