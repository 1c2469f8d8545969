package dev.panamarnn.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One temporary file per harness, rewritten for every fuzz input: the model-file readers take a
 * {@link Path}, and creating a new file per input would cost more than the parse. In /dev/shm
 * (memory) where there is one: on the development machine a write there takes ~60 us, on the
 * disk-backed temporary directory 1-5 ms, which would bound the fuzzer at a few hundred inputs
 * per second. Deleted when the JVM exits. Not thread-safe (Jazzer runs a fuzz test on one thread).
 */
final class ScratchFile {
    private static final Path MEMORY = Path.of("/dev/shm");

    private final Path path;

    ScratchFile(String suffix) {
        try {
            path = Files.isDirectory(MEMORY) && Files.isWritable(MEMORY)
                    ? Files.createTempFile(MEMORY, "panama-rnn-fuzz-", suffix)
                    : Files.createTempFile("panama-rnn-fuzz-", suffix);
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
