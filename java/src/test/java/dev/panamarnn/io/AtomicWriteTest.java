package dev.panamarnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panamarnn.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A write that fails at any stage — before, during (disk full after any number of bytes), after
 * the data, after fsync, before the rename, on thread interruption — leaves the previous file
 * byte-for-byte intact and loadable, and no temporary file behind. Faults are injected through
 * {@link AtomicFile#faults}, a package-private hook.
 */
class AtomicWriteTest {
    @TempDir
    Path dir;

    @AfterEach
    void noFaults() {
        AtomicFile.faults = AtomicFile.NO_FAULTS;
        Thread.interrupted();
    }

    /** Writes version {@code v} of a file: a 1000-float tensor filled with v, metadata version=v. */
    static void writeVersion(Path file, int v) throws ModelFileException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, 10, 100);
            t.fill(v);
            SafeTensors.write(file, Map.of("t", t), Map.of("version", Integer.toString(v)));
        }
    }

    void assertVersion(Path file, int v) throws IOException {
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            assertEquals(Integer.toString(v), f.metadata().get("version"));
            assertEquals(v, f.tensor("t").get(999));
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "only the model file, no temporary file");
        }
    }

    @ParameterizedTest
    @EnumSource(AtomicFile.Stage.class)
    void failureAtAnyStageKeepsThePreviousFile(AtomicFile.Stage failAt) throws Exception {
        Path file = dir.resolve("model.safetensors");
        writeVersion(file, 1);
        byte[] before = Files.readAllBytes(file);
        AtomicFile.faults = new AtomicFile.Faults() {
            @Override
            public void at(AtomicFile.Stage stage, Path temp) throws IOException {
                assertTrue(Files.exists(temp));
                assertTrue(temp.getFileName().toString().startsWith(".model.safetensors."), temp.toString());
                if (stage == failAt) {
                    throw new IOException("injected failure at " + stage);
                }
            }
        };
        ModelFileException e = assertThrows(ModelFileException.class, () -> writeVersion(file, 2));
        assertEquals("model file " + file + ": cannot write: IOException: injected failure at " + failAt
                + "; any previous file at this path is unchanged", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        assertVersion(file, 1);
        AtomicFile.faults = AtomicFile.NO_FAULTS;
        writeVersion(file, 3);
        assertVersion(file, 3);
    }

    /** Disk full after every possible number of bytes (in steps), including inside the header and the data. */
    @Test
    void diskFullAtAnyByteKeepsThePreviousFile() throws Exception {
        Path file = dir.resolve("model.safetensors");
        writeVersion(file, 1);
        byte[] before = Files.readAllBytes(file);
        for (long limit = 0; limit < before.length; limit += limit < 200 ? 1 : 97) {
            final long capacity = limit;
            AtomicFile.faults = new AtomicFile.Faults() {
                @Override
                public WritableByteChannel wrap(WritableByteChannel channel) {
                    return new FullDisk(channel, capacity);
                }
            };
            ModelFileException e = assertThrows(ModelFileException.class, () -> writeVersion(file, 2), "limit " + limit);
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            assertTrue(e.getCause() instanceof IOException);
            assertArrayEquals(before, Files.readAllBytes(file), "limit " + limit);
        }
        AtomicFile.faults = AtomicFile.NO_FAULTS;
        assertVersion(file, 1);
    }

    /** A channel that accepts {@code capacity} bytes, then fails as a full disk does (possibly mid-buffer). */
    static final class FullDisk implements WritableByteChannel {
        private final WritableByteChannel inner;
        private long left;

        FullDisk(WritableByteChannel inner, long capacity) {
            this.inner = inner;
            this.left = capacity;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (left == 0) {
                throw new IOException("No space left on device");
            }
            if (src.remaining() > left) {
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + (int) left);
                int n = inner.write(part);
                src.position(src.position() + n);
                left -= n;
                return n;
            }
            int n = inner.write(src);
            left -= n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return inner.isOpen();
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }

    @Test
    void interruptedWriterKeepsThePreviousFile() throws Exception {
        Path file = dir.resolve("model.safetensors");
        writeVersion(file, 1);
        Thread.currentThread().interrupt();
        ModelFileException e = assertThrows(ModelFileException.class, () -> writeVersion(file, 2));
        assertTrue(Thread.interrupted(), "the interrupt status stays set");
        assertTrue(e.getMessage().contains("cannot write"), e.getMessage());
        assertVersion(file, 1);
    }

    @Test
    void aRuntimeFailureInTheMiddleAlsoCleansUp() throws Exception {
        Path file = dir.resolve("model.safetensors");
        writeVersion(file, 1);
        AtomicFile.faults = new AtomicFile.Faults() {
            @Override
            public WritableByteChannel wrap(WritableByteChannel channel) {
                throw new IllegalStateException("boom");
            }
        };
        assertThrows(IllegalStateException.class, () -> writeVersion(file, 2));
        assertVersion(file, 1);
    }

    @Test
    void missingDirectoryAndDirectoryTargetAreClearErrors() throws Exception {
        Path missing = dir.resolve("no/such/dir/model.safetensors");
        ModelFileException e = assertThrows(ModelFileException.class, () -> writeVersion(missing, 1));
        assertTrue(e.getMessage().contains("cannot write: no such file or directory"), e.getMessage());
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Files.writeString(sub.resolve("keep"), "x");
        ModelFileException d = assertThrows(ModelFileException.class, () -> writeVersion(sub, 1));
        assertTrue(d.getMessage().startsWith("model file " + sub + ": cannot write: "), d.getMessage());
        assertEquals("x", Files.readString(sub.resolve("keep")));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(sub), files.toList(), "no temporary file left");
        }
    }

    /** With the directory made read-only (as a non-root user), the write fails cleanly. */
    @Test
    void readOnlyDirectory() throws Exception {
        Path file = dir.resolve("model.safetensors");
        writeVersion(file, 1);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeTrue(!Files.isWritable(dir), "running as root: directory permissions are not enforced");
            ModelFileException e = assertThrows(ModelFileException.class, () -> writeVersion(file, 2));
            assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        assertVersion(file, 1);
    }

    @Test
    void newFileGetsDefaultPermissionsNotTempFilePermissions() throws Exception {
        Path file = dir.resolve("model.safetensors");
        writeVersion(file, 1);
        Path plain = Files.createFile(dir.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file));
        Files.delete(plain);
        assertFalse(Files.exists(plain));
    }
}
