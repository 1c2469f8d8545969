package dev.panamarnn.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.Options;

/**
 * Where a {@link SparkTrainer}'s checkpoints go: a local file (written in place, atomically, by the
 * library) or a Hadoop-compatible URI (hdfs://, s3a://, file://...). For a URI the checkpoint is
 * written to a local scratch file first, uploaded next to the target under a hidden temporary name,
 * and renamed over the target with {@link FileContext#rename} and OVERWRITE: atomic where the file
 * system's rename is (HDFS, local); on object stores a rename is a copy, so a crash during it can
 * leave the temporary file, never a half-written checkpoint under the target's name.
 */
abstract sealed class CheckpointStore {
    /** Writes a checkpoint: {@code write} fills a local file, which becomes the stored checkpoint. */
    abstract void save(IoConsumer write) throws IOException;

    /** Gives {@code read} a local file holding the stored checkpoint. */
    abstract <T> T load(IoFunction<T> read) throws IOException;

    interface IoConsumer {
        void accept(Path file) throws IOException;
    }

    interface IoFunction<T> {
        T apply(Path file) throws IOException;
    }

    static CheckpointStore local(Path file) {
        return new Local(file);
    }

    static CheckpointStore hadoop(String uri, Configuration conf) {
        return new Hadoop(uri, conf);
    }

    static final class Local extends CheckpointStore {
        private final Path file;

        Local(Path file) {
            this.file = file;
        }

        @Override
        void save(IoConsumer write) throws IOException {
            write.accept(file);
        }

        @Override
        <T> T load(IoFunction<T> read) throws IOException {
            return read.apply(file);
        }

        @Override
        public String toString() {
            return file.toString();
        }
    }

    static final class Hadoop extends CheckpointStore {
        private final org.apache.hadoop.fs.Path target;
        private final Configuration conf;

        Hadoop(String uri, Configuration conf) {
            this.target = new org.apache.hadoop.fs.Path(uri);
            this.conf = conf;
        }

        @Override
        void save(IoConsumer write) throws IOException {
            Path local = scratch();
            try {
                write.accept(local);
                FileContext fc = FileContext.getFileContext(target.toUri(), conf);
                org.apache.hadoop.fs.Path temp = new org.apache.hadoop.fs.Path(target.getParent(),
                        "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
                try {
                    try (OutputStream out = fc.create(temp, EnumSet.of(CreateFlag.CREATE), Options.CreateOpts.createParent())) {
                        Files.copy(local, out);
                    }
                    fc.rename(temp, target, Options.Rename.OVERWRITE);
                } catch (IOException | RuntimeException e) {
                    try {
                        fc.delete(temp, false);
                    } catch (IOException ignored) {
                        // the upload failed already; this is cleanup
                    }
                    throw e;
                }
            } finally {
                Files.deleteIfExists(local);
            }
        }

        @Override
        <T> T load(IoFunction<T> read) throws IOException {
            Path local = scratch();
            try {
                FileContext fc = FileContext.getFileContext(target.toUri(), conf);
                try (InputStream in = fc.open(target)) {
                    Files.copy(in, local, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                return read.apply(local);
            } finally {
                Files.deleteIfExists(local);
            }
        }

        private static Path scratch() {
            try {
                return Files.createTempFile(ModelBytes.scratchDirectory(), "checkpoint-", ".safetensors");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make a scratch file in " + ModelBytes.scratchDirectory(), e);
            }
        }

        @Override
        public String toString() {
            return target.toString();
        }
    }
}
