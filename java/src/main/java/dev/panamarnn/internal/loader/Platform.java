package dev.panamarnn.internal.loader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The platform string ({@code linux-x86_64}, ...) — computed here and nowhere else. The loader
 * uses it to find {@code META-INF/native/<platform>/librnnk.so} in the jar, and the build calls
 * {@link #main} to put the CMake output at that same place in {@code target/classes}.
 */
public final class Platform {
    private Platform() {}

    /** Resource directory of the native libraries inside the jar, for this JVM's os and arch. */
    public static String resourceDir() {
        return "META-INF/native/" + current() + "/";
    }

    /** {@code <os>-<arch>} of the running JVM, e.g. {@code linux-x86_64}, {@code linux-aarch64}. */
    public static String current() {
        return os(System.getProperty("os.name")) + "-" + arch(System.getProperty("os.arch"));
    }

    static String os(String osName) {
        String n = osName.toLowerCase(Locale.ROOT);
        if (n.startsWith("linux")) return "linux";
        if (n.startsWith("mac") || n.startsWith("darwin")) return "macos";
        if (n.startsWith("windows")) return "windows";
        return n.replaceAll("[^a-z0-9]+", "");
    }

    static String arch(String osArch) {
        String a = osArch.toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> a.replaceAll("[^a-z0-9_]+", "");
        };
    }

    /** File name of a shared library on this OS ({@code librnnk.so} on Linux). */
    public static String sharedLibraryName(String stem) {
        String os = os(System.getProperty("os.name"));
        return switch (os) {
            case "macos" -> "lib" + stem + ".dylib";
            case "windows" -> stem + ".dll";
            default -> "lib" + stem + ".so";
        };
    }

    /**
     * Build step (run by java/pom.xml in process-classes):
     * {@code Platform <built library> <classes directory>} copies the library to
     * {@code <classes directory>/META-INF/native/<platform>/}.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: Platform <built library file> <classes directory>, got "
                    + args.length + " arguments");
        }
        Path library = Path.of(args[0]);
        if (!Files.isRegularFile(library)) {
            throw new IOException("the CMake build did not produce " + library);
        }
        Path target = Path.of(args[1]).resolve(resourceDir()).resolve(library.getFileName());
        Files.createDirectories(target.getParent());
        Files.copy(library, target, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("[panama-rnn] packed " + library + " as " + target);
    }
}
