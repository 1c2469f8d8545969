package dev.panamarnn.internal.loader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Extraction of native libraries from the class path to versioned cache directories, atomically
 * (temp file, fsync, rename), so that concurrent JVMs never load a half-written file.
 */
final class LibraryFiles {
    private LibraryFiles() {}

    /** A directory to extract into before every other (a Spark executor sets it under spark.local.dir). */
    static final String DIR_PROPERTY = "rnn.native.dir";

    /**
     * Directories to extract into, best first: {@code -Drnn.native.dir} when set, then
     * {@code $XDG_CACHE_HOME/panama-rnn} or {@code ~/.cache/panama-rnn}, then
     * {@code <java.io.tmpdir>/panama-rnn-<user>}. A directory on a noexec mount fails at load time,
     * and the caller then tries the next one.
     */
    static List<Path> cacheRoots() {
        List<Path> roots = new ArrayList<>();
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            roots.add(Path.of(dir));
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            roots.add(Path.of(xdg, "panama-rnn"));
        }
        String home = System.getProperty("user.home");
        if (home != null && !home.isBlank() && !home.equals("?")) {
            roots.add(Path.of(home, ".cache", "panama-rnn"));
        }
        roots.add(Path.of(System.getProperty("java.io.tmpdir"), "panama-rnn-" + System.getProperty("user.name", "user")));
        return roots;
    }

    /**
     * Copies the class-path resource to {@code directory/fileName} unless a file of the same size is
     * already there. Returns the absolute path of the file.
     */
    static Path extract(String resource, long expectedSize, Path directory, String fileName) throws IOException {
        Files.createDirectories(directory);
        Path target = directory.resolve(fileName).toAbsolutePath();
        if (Files.isRegularFile(target) && Files.size(target) == expectedSize) {
            return target;
        }
        Path temp = Files.createTempFile(directory, fileName + ".", ".part");
        try {
            try (InputStream in = LibraryFiles.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("resource " + resource + " is not on the class path");
                }
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            long written = Files.size(temp);
            if (expectedSize >= 0 && written != expectedSize) {
                throw new IOException("extracted " + written + " bytes of " + resource + ", expected " + expectedSize);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Size of a class-path resource in bytes, or -1 when it is not on the class path. */
    static long resourceSize(String resource) {
        var url = LibraryFiles.class.getClassLoader().getResource(resource);
        if (url == null) {
            return -1;
        }
        try {
            var connection = url.openConnection();
            connection.setUseCaches(false);
            long size = connection.getContentLengthLong();
            if (size >= 0) {
                return size;
            }
            try (InputStream in = connection.getInputStream()) {
                return in.transferTo(java.io.OutputStream.nullOutputStream());
            }
        } catch (IOException e) {
            return -1;
        }
    }
}
