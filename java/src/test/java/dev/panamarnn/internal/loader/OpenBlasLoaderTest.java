package dev.panamarnn.internal.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The warning when the bundled OpenBLAS is missing or broken and a system one is used instead. */
class OpenBlasLoaderTest {
    private static final Path SYSTEM = Path.of("/usr/lib/x86_64-linux-gnu/libopenblas.so.0");
    private static final String ARTIFACT = "org.bytedeco:openblas:" + BuildInfo.openBlasArtifactVersion() + ":linux-x86_64";

    @Test
    void aMissingJarIsOneLineNamingTheArtifactTheSystemLibraryAndTheFix() {
        String line = OpenBlasLoader.systemFallbackWarning(false, List.of(new LoadAttempt("class path x", "not found")), SYSTEM);
        assertEquals("panama-rnn: " + ARTIFACT + " is not on the class path; using the system OpenBLAS " + SYSTEM
                + " instead. Add " + ARTIFACT + " (it comes with dev.panamarnn:panama-rnn through Maven), or set -Drnn.blas.path="
                + SYSTEM + " to choose the system one explicitly.", line);
    }

    @Test
    void aJarWhoseLibrariesDidNotLoadSaysWhatFailedOnOneLine() {
        String line = OpenBlasLoader.systemFallbackWarning(true,
                List.of(new LoadAttempt("extracting to /cache/openblas", "java.io.IOException: No space left\non device")), SYSTEM);
        assertFalse(line.contains("\n"), line);
        assertTrue(line.startsWith("panama-rnn: the OpenBLAS of " + ARTIFACT + " could not be loaded (extracting to "
                + "/cache/openblas: java.io.IOException: No space left on device); using the system OpenBLAS " + SYSTEM), line);
    }

    @Test
    void theTestClassPathHasTheBundledLibraries() {
        assertTrue(OpenBlasLoader.bundledPresent());
    }
}
