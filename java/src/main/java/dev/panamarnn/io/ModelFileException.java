package dev.panamarnn.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model file could not be read or written. This is the one exception of this package for
 * everything that comes from outside the program: a truncated, corrupt or hostile file, a file of
 * another architecture, a tensor missing or of the wrong shape, a file-system error (not found,
 * permission denied, disk full — then the {@link #getCause() cause} is the original
 * {@link IOException}). The message always names the file and the problem, e.g.
 * {@code model file /m/a.safetensors: tensor 'weight_hh_l0' has dtype F16; only F32 is supported}.
 *
 * <p>It is a checked {@link IOException} because it is one: callers that load files already handle
 * I/O failure, and a service must not be able to forget that a file from disk can be bad.
 * Misuse of the API by the program itself — a null argument, a closed file or network — is
 * an unchecked {@link IllegalArgumentException}, {@link NullPointerException} or
 * {@link IllegalStateException}, as everywhere in the library.
 */
public final class ModelFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String problem;

    public ModelFileException(Path file, String problem) {
        this(file, problem, null);
    }

    public ModelFileException(Path file, String problem, Throwable cause) {
        super("model file " + file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    /** The file concerned (as given by the caller). */
    public Path file() {
        return file;
    }

    /** What is wrong, without the file name. */
    public String problem() {
        return problem;
    }
}
