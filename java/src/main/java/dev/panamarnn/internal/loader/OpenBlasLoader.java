package dev.panamarnn.internal.loader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads OpenBLAS without root (DESIGN.md "Native libraries"):
 * {@code -Drnn.blas.path=/path/libopenblas.so.0}; else the libraries shipped in the
 * {@code org.bytedeco:openblas} jar (libquadmath.so.0, libgfortran.so.5, libopenblas.so.0, loaded
 * by absolute path in that order from a versioned cache directory); else the system
 * {@code libopenblas.so.0}, with one warning line naming the missing artifact. OPENBLAS_CORETYPE and
 * the other OPENBLAS_* variables are left alone.
 */
public final class OpenBlasLoader {
    public static final String PATH_PROPERTY = "rnn.blas.path";
    private static final System.Logger LOG = System.getLogger("dev.panamarnn");
    static final String RESOURCE_DIR = "org/bytedeco/openblas/linux-x86_64/";
    /** Dependencies first: libopenblas needs libgfortran, which needs libquadmath. */
    static final List<String> BUNDLED = List.of("libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0");
    static final List<String> SYSTEM_DIRS = List.of(
            "/usr/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu/openblas-pthread", "/usr/lib64", "/usr/lib",
            "/usr/local/lib", "/lib/x86_64-linux-gnu");
    static final String HOW_TO_FIX = "Put org.bytedeco:openblas:" + BuildInfo.openBlasArtifactVersion()
            + ":linux-x86_64 on the class path, install the system package (Debian: libopenblas0), "
            + "or point -D" + PATH_PROPERTY + "=/path/libopenblas.so.0 at one.";

    private OpenBlasLoader() {}

    /** Loads OpenBLAS and returns the absolute path of the libopenblas it loaded. */
    public static String load() {
        List<LoadAttempt> attempts = new ArrayList<>();
        String override = System.getProperty(PATH_PROPERTY);
        if (override != null && !override.isBlank()) {
            Path path = Path.of(override).toAbsolutePath();
            if (!Files.isRegularFile(path)) {
                attempts.add(new LoadAttempt("-D" + PATH_PROPERTY + "=" + override, "no such file " + path));
            } else if (RnnkLoader.tryLoad(path, "-D" + PATH_PROPERTY + "=" + override, attempts)) {
                return path.toString();
            }
            throw new NativeLoadException("OpenBLAS", attempts, HOW_TO_FIX);
        }

        String bundled = loadBundled(attempts);
        if (bundled != null) {
            return bundled;
        }
        List<LoadAttempt> bundledAttempts = List.copyOf(attempts);
        for (String dir : SYSTEM_DIRS) {
            Path candidate = Path.of(dir, "libopenblas.so.0");
            if (Files.isRegularFile(candidate) && RnnkLoader.tryLoad(candidate, "system " + candidate, attempts)) {
                LOG.log(System.Logger.Level.WARNING, systemFallbackWarning(bundledPresent(), bundledAttempts, candidate));
                return candidate.toString();
            }
        }
        attempts.add(new LoadAttempt("system libopenblas.so.0", "not found in " + SYSTEM_DIRS));
        throw new NativeLoadException("OpenBLAS", attempts, HOW_TO_FIX);
    }

    /**
     * The one warning line when the bundled OpenBLAS is missing or did not load and a system one
     * is used instead (a version the library was not tested with, maybe without the shared pool).
     */
    static String systemFallbackWarning(boolean bundledPresent, List<LoadAttempt> bundledAttempts, Path system) {
        String artifact = "org.bytedeco:openblas:" + BuildInfo.openBlasArtifactVersion() + ":linux-x86_64";
        String why = bundledPresent
                ? "the OpenBLAS of " + artifact + " could not be loaded (" + bundledAttempts.stream().map(LoadAttempt::toString)
                        .map(text -> text.replace('\n', ' ')).collect(java.util.stream.Collectors.joining("; ")) + ")"
                : artifact + " is not on the class path";
        return "panama-rnn: " + why + "; using the system OpenBLAS " + system + " instead. Add " + artifact
                + " (it comes with dev.panamarnn:panama-rnn through Maven), or set -D" + PATH_PROPERTY + "=" + system
                + " to choose the system one explicitly.";
    }

    /** Whether the class path has all of the bundled libraries (the org.bytedeco:openblas platform jar). */
    static boolean bundledPresent() {
        for (String name : BUNDLED) {
            if (LibraryFiles.resourceSize(RESOURCE_DIR + name) < 0) {
                return false;
            }
        }
        return true;
    }

    private static String loadBundled(List<LoadAttempt> attempts) {
        long[] sizes = new long[BUNDLED.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = LibraryFiles.resourceSize(RESOURCE_DIR + BUNDLED.get(i));
            if (sizes[i] < 0) {
                attempts.add(new LoadAttempt("class path " + RESOURCE_DIR + BUNDLED.get(i),
                        "not found (org.bytedeco:openblas:" + BuildInfo.openBlasArtifactVersion() + ":linux-x86_64 missing)"));
                return null;
            }
        }
        for (Path root : LibraryFiles.cacheRoots()) {
            Path directory = root.resolve("openblas-" + BuildInfo.openBlasArtifactVersion());
            try {
                Path last = null;
                for (int i = 0; i < sizes.length; i++) {
                    last = LibraryFiles.extract(RESOURCE_DIR + BUNDLED.get(i), sizes[i], directory, BUNDLED.get(i));
                }
                boolean all = true;
                for (String name : BUNDLED) {
                    all = all && RnnkLoader.tryLoad(directory.resolve(name).toAbsolutePath(), "bundled " + directory.resolve(name), attempts);
                }
                if (all) {
                    return last.toString();
                }
            } catch (IOException | RuntimeException e) {
                attempts.add(new LoadAttempt("extracting to " + directory, e.toString()));
            }
        }
        return null;
    }
}
