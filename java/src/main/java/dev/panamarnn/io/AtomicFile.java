package dev.panamarnn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file atomically: the content goes to a new temporary file in the same directory
 * ({@code .<name>.<random>.tmp}), is forced to the device ({@link FileChannel#force(boolean)}), and
 * the temporary file is renamed over the target in one step ({@link StandardCopyOption#ATOMIC_MOVE});
 * then the directory is synced so that the rename itself survives a power cut (best effort: not
 * every file system allows it). A reader sees the old file or the new one, never a mix; a failure
 * at any stage — including a full disk — deletes the temporary file and leaves the old file as it
 * was. A process killed mid-write (SIGKILL, power cut) cannot clean up: it may leave a stray
 * {@code .<name>.*.tmp} file, never a damaged target. Not a lock: two concurrent writers of one
 * path each replace it whole, the last one wins. A symbolic link at the target path is replaced
 * by the new file (the file it pointed to is left alone).
 */
final class AtomicFile {
    /** The content of the file, written sequentially to {@code out}. */
    @FunctionalInterface
    interface Body {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    /** Stages of a write, for fault injection in tests. */
    enum Stage {
        /** the temporary file exists, nothing written */
        CREATED,
        /** the body is written, not forced */
        WRITTEN,
        /** forced to the device, not yet closed */
        FORCED,
        /** closed, not yet renamed over the target */
        CLOSED
    }

    /** Test hook: fails a write at a stage or through its channel. Production code never sets it. */
    interface Faults {
        default WritableByteChannel wrap(WritableByteChannel channel) {
            return channel;
        }

        default void at(Stage stage, Path temp) throws IOException {}
    }

    static final Faults NO_FAULTS = new Faults() {};
    static volatile Faults faults = NO_FAULTS;

    private AtomicFile() {}

    /** Writes {@code body} to {@code target} atomically; see the class comment. */
    static void write(Path target, Body body) throws ModelFileException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path temp = null;
        Faults f = faults;
        Throwable failure = null;
        try {
            temp = createTemp(dir, absolute.getFileName().toString());
            f.at(Stage.CREATED, temp);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                body.writeTo(f.wrap(channel));
                f.at(Stage.WRITTEN, temp);
                channel.force(true);
                f.at(Stage.FORCED, temp);
            }
            f.at(Stage.CLOSED, temp);
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
            syncDirectory(dir);
        } catch (IOException e) {
            ModelFileException m = new ModelFileException(target, "cannot write: " + describe(e)
                    + "; any previous file at this path is unchanged", e);
            failure = m;
            throw m;
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException d) {
                    if (failure != null) {
                        failure.addSuppressed(d);   // the write failure is what gets reported; the stray file is .<name>.*.tmp
                    }
                }
            }
        }
    }

    /** A readable reason for an I/O failure: the well-known kinds by name, otherwise type and message. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException n) {
            return "no such file or directory: " + n.getFile();
        }
        if (e instanceof AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof java.nio.channels.ClosedByInterruptException) {
            return "the thread was interrupted";
        }
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            String base = name.length() > 100 ? name.substring(0, 100) : name;   // stay under NAME_MAX with the additions
            Path temp = dir.resolve("." + base + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                // CREATE_NEW with the default permissions (umask), unlike Files.createTempFile's 0600
                FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return temp;
            } catch (FileAlreadyExistsException e) {
                if (attempt == 9) {
                    throw e;
                }
            }
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // some platforms cannot open or sync a directory; the file itself was forced before the rename
        }
    }
}
