package dev.panamarnn.internal.loader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Loads librnnk, in this order (DESIGN.md "Native libraries"):
 * {@code -Drnn.native.path=<file>}, then the copy in the jar under
 * {@code META-INF/native/<platform>/} (extracted under a versioned name), then
 * {@code System.loadLibrary("rnnk")}. Returns where it was loaded from or throws
 * {@link NativeLoadException} listing every place tried and the real dlerror text.
 */
public final class RnnkLoader {
    public static final String PATH_PROPERTY = "rnn.native.path";
    static final String HOW_TO_FIX = "Build it with CMake (./mvnw package builds it into the jar), "
            + "or point -D" + PATH_PROPERTY + "=/path/to/librnnk.so at a build of it.";

    private RnnkLoader() {}

    /** Loads librnnk and returns the absolute path (or library name) it was loaded from. */
    public static String load() {
        List<LoadAttempt> attempts = new ArrayList<>();
        String override = System.getProperty(PATH_PROPERTY);
        if (override != null && !override.isBlank()) {
            // an explicit path is the user's intent: no silent search elsewhere
            Path path = Path.of(override).toAbsolutePath();
            if (!Files.isRegularFile(path)) {
                attempts.add(new LoadAttempt("-D" + PATH_PROPERTY + "=" + override, "no such file " + path));
            } else if (tryLoad(path, "-D" + PATH_PROPERTY + "=" + override, attempts)) {
                return path.toString();
            }
            throw new NativeLoadException("librnnk", attempts, HOW_TO_FIX);
        }

        String fileName = Platform.sharedLibraryName("rnnk");
        String resource = Platform.resourceDir() + fileName;
        byte[] bytes = readResource(resource);
        if (bytes == null) {
            attempts.add(new LoadAttempt("class path " + resource, "not in the jar (built with -Drnn.native.skip=true?)"));
        } else {
            String versioned = "librnnk-" + BuildInfo.version() + "-" + crc32(bytes) + fileName.substring(fileName.indexOf('.'));
            for (Path root : LibraryFiles.cacheRoots()) {
                Path directory = root.resolve("rnnk");
                try {
                    Path file = LibraryFiles.extract(resource, bytes.length, directory, versioned);
                    if (tryLoad(file, "jar copy extracted to " + file, attempts)) {
                        return file.toString();
                    }
                } catch (IOException | RuntimeException e) {
                    attempts.add(new LoadAttempt("extracting to " + directory, e.toString()));
                }
            }
        }

        try {
            System.loadLibrary("rnnk");
            return "rnnk (java.library.path)";
        } catch (UnsatisfiedLinkError e) {
            attempts.add(new LoadAttempt("System.loadLibrary(\"rnnk\")", e.getMessage()));
        }
        throw new NativeLoadException("librnnk", attempts, HOW_TO_FIX);
    }

    static boolean tryLoad(Path file, String where, List<LoadAttempt> attempts) {
        try {
            System.load(file.toString());
            return true;
        } catch (UnsatisfiedLinkError e) {
            attempts.add(new LoadAttempt(where, e.getMessage()));   // carries dlerror()'s text
            return false;
        }
    }

    private static byte[] readResource(String resource) {
        try (var in = RnnkLoader.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    private static String crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return String.format("%08x", crc.getValue());
    }
}
