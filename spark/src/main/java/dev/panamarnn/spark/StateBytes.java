package dev.panamarnn.spark;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.train.Optimizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A training state (parameters, optimizer state, position) as the bytes of a {@link SparkCheckpoint}
 * file: what a barrier stage starts from and what its worker 0 hands back. Made and read through a
 * scratch file in the Spark task's (or the driver's) scratch directory.
 */
final class StateBytes {
    private StateBytes() {}

    static byte[] of(SequenceModel model, Optimizer optimizer, SparkCheckpoint.Position p, int workers, int batchSize) {
        Path file = scratch();
        try {
            SparkCheckpoint.save(file, model, optimizer, p, workers, batchSize, 0);   // no truncated-BPTT windows
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training state in " + file.getParent() + ": " + e.getMessage(), e);
        } finally {
            delete(file);
        }
    }

    /** Loads parameters and optimizer state into {@code model} and {@code optimizer}; the position. */
    static SparkCheckpoint.Position restore(byte[] state, SequenceModel model, Optimizer optimizer, int workers, int batchSize) {
        Path file = scratch();
        try {
            Files.write(file, state);
            return SparkCheckpoint.restore(file, model, optimizer, workers, batchSize, 0);
        } catch (ModelFileException e) {
            throw new IllegalStateException("the training state does not load: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training state in " + file.getParent() + ": " + e.getMessage(), e);
        } finally {
            delete(file);
        }
    }

    private static Path scratch() {
        try {
            return Files.createTempFile(ModelBytes.scratchDirectory(), "state-", ".safetensors");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a scratch file in " + ModelBytes.scratchDirectory(), e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a scratch file
        }
    }
}
