package dev.panamarnn.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One temporary file per harness, rewritten for every fuzz input: the model-file readers take a
 * {@link Path}, and creating a new file per input would cost more than the parse. Deleted when the
 * JVM exits. Not thread-safe (Jazzer runs a fuzz test on one thread).
 */
final class ScratchFile {
    private final Path path;

    ScratchFile(String suffix) {
        try {
            path = Files.createTempFile("panama-rnn-fuzz-", suffix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        path.toFile().deleteOnExit();
    }

    /** Replaces the file's content with {@code bytes}; returns its path. */
    Path write(byte[] bytes) {
        try {
            Files.write(path, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fuzz input to " + path, e);
        }
        return path;
    }

    Path path() {
        return path;
    }
}
