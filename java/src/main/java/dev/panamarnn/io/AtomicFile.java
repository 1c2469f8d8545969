package dev.panamarnn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Replaces a file atomically: the content goes to a new temporary file in the same directory
 * ({@code .<name>.<random>.tmp}), is forced to the device ({@link FileChannel#force(boolean)}), and
 * the temporary file is renamed over the target in one step ({@link StandardCopyOption#ATOMIC_MOVE});
 * then the directory is synced so that the rename itself survives a power cut (best effort: not
 * every file system allows it). A reader sees the old file or the new one, never a mix; a failure
 * at any stage — including a full disk — deletes the temporary file and leaves the old file as it
 * was. A full disk (or quota) is reported as such, naming the directory. A process killed
 * mid-write (SIGKILL, power cut) cannot clean up: it may leave a stray {@code .<name>.*.tmp} file,
 * never a damaged target; the next write of the same target removes such strays — those no live
 * writer holds (each writer holds a lock on its temporary file while it writes, released by the
 * OS when the process dies) and that have not changed for {@value #STRAY_AGE_MILLIS} ms (so a
 * writer that has just created its file and not yet locked it is left alone). Not a lock on the
 * target: two concurrent writers of one path each replace it whole, the last one wins. A symbolic
 * link at the target path is replaced by the new file (the file it pointed to is left alone).
 */
public final class AtomicFile {
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

    /** A stray temporary file younger than this is never removed (its writer may not hold its lock yet). */
    static final long STRAY_AGE_MILLIS = 2000;

    private AtomicFile() {}

    /** Writes {@code body} to {@code target} atomically; see the class comment. */
    /** Replaces {@code target} with {@code content} atomically, as described above (an ONNX export, say). */
    public static void write(Path target, byte[] content) throws ModelFileException {
        write(target, out -> {
            ByteBuffer bytes = ByteBuffer.wrap(content);
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
        });
    }

    static void write(Path target, Body body) throws ModelFileException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path temp = null;
        Faults f = faults;
        Throwable failure = null;
        String name = absolute.getFileName().toString();
        try {
            removeStrays(dir, name);
            FileChannel created = null;
            for (int attempt = 0; created == null; attempt++) {
                Path candidate = dir.resolve(tempName(name));
                try {
                    // CREATE_NEW with the default permissions (umask), unlike Files.createTempFile's 0600
                    created = FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    temp = candidate;
                } catch (FileAlreadyExistsException e) {
                    if (attempt == 9) {
                        throw e;
                    }
                }
            }
            try (FileChannel channel = created) {
                holdLock(channel);
                f.at(Stage.CREATED, temp);
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
            String reason = isDiskFull(e) ? "the disk is full (" + diskFullReason(e) + ") in " + dir : describe(e);
            ModelFileException m = new ModelFileException(target, "cannot write: " + reason
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

    /** {@code .<name>.<random hex>.tmp}; the name is cut to stay under NAME_MAX with the additions. */
    private static String tempName(String name) {
        return "." + base(name) + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp";
    }

    private static String base(String name) {
        return name.length() > 100 ? name.substring(0, 100) : name;
    }

    /**
     * Locks the temporary file for as long as it is written, so that another process's
     * {@link #removeStrays} leaves it alone; the OS releases the lock when this process dies. Where
     * the file system has no locks, the age rule alone protects it.
     */
    private static void holdLock(FileChannel channel) {
        try {
            channel.tryLock();        // released when the channel closes
        } catch (IOException | OverlappingFileLockException | UnsupportedOperationException e) {
            // no locks here: strays are still only removed after STRAY_AGE_MILLIS without change
        }
    }

    /** Removes temporary files of earlier writes of {@code name} that were killed mid-write (best effort). */
    private static void removeStrays(Path dir, String name) {
        Pattern stray = Pattern.compile("\\." + Pattern.quote(base(name)) + "\\.[0-9a-f]{1,16}\\.tmp");
        long old = System.currentTimeMillis() - STRAY_AGE_MILLIS;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> stray.matcher(p.getFileName().toString()).matches())) {
            for (Path p : entries) {
                try {
                    if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() > old) {
                        continue;             // its writer may have created it and not yet locked it
                    }
                    try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                         FileLock lock = c.tryLock()) {
                        if (lock != null) {   // no live writer holds it
                            Files.deleteIfExists(p);
                        }
                    }
                } catch (IOException | OverlappingFileLockException | UnsupportedOperationException e) {
                    // held by a writer of this JVM, gone meanwhile, or not ours to remove: leave it
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            // an unreadable directory fails the write itself, with a clear message
        }
    }

    /** ENOSPC or EDQUOT, in the exception or its causes (the JDK reports both by their strerror text). */
    static boolean isDiskFull(IOException e) {
        return diskFullReason(e) != null;
    }

    private static String diskFullReason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t instanceof FileSystemException fs ? fs.getReason() : t.getMessage();
            if (m != null) {
                for (String reason : new String[] {"No space left on device", "Disk quota exceeded"}) {
                    if (m.contains(reason)) {
                        return reason;
                    }
                }
            }
        }
        return null;
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // some platforms cannot open or sync a directory; the file itself was forced before the rename
        }
    }
}
