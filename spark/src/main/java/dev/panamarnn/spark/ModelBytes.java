package dev.panamarnn.spark;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.model.SequenceModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A model as the bytes of its file (what is broadcast: never a native object), and their fingerprint. */
public final class ModelBytes {
    private ModelBytes() {}

    /** The model's file ({@link SequenceModel#save}) as bytes. */
    public static byte[] of(SequenceModel model) {
        Path file = null;
        try {
            file = Files.createTempFile(scratchDirectory(), "model-", ".safetensors");
            model.save(file);
            return Files.readAllBytes(file);
        } catch (ModelFileException e) {
            throw new IllegalStateException("cannot save the model: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model's bytes in " + scratchDirectory(), e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a scratch file
                }
            }
        }
    }

    /** SHA-256 of the bytes, in hex: the key of the executors' caches. */
    public static String fingerprint(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    /**
     * Where scratch files go: the Spark task's work directory (under spark.local.dir) when running in
     * Spark, else java.io.tmpdir.
     */
    static Path scratchDirectory() {
        try {
            if (org.apache.spark.SparkEnv.get() != null) {
                Path root = Path.of(org.apache.spark.SparkFiles.getRootDirectory());
                if (Files.isDirectory(root) && Files.isWritable(root)) {
                    return root;
                }
            }
        } catch (RuntimeException | LinkageError ignored) {
            // not in Spark
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }
}
