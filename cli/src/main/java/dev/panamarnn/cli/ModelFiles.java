package dev.panamarnn.cli;

import dev.panamarnn.io.ModelFileException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * What a command makes of a model file it has loaded (its CSV layout, its vocabulary, whether it is
 * a character model or a forecaster): the library says what is wrong but not which file it came
 * from, so a refusal becomes a {@link ModelFileException} naming the file ("model file m.safetensors:
 * column 'c0' has two roles in the CSV layout"); the CLI prints it escaped (PrintableText).
 */
final class ModelFiles {
    private ModelFiles() {}

    /** {@code reading}'s result, or its IllegalArgumentException as the problem of {@code file}. */
    static <T> T interpret(Path file, Supplier<T> reading) throws ModelFileException {
        try {
            return reading.get();
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, e.getMessage(), e);
        }
    }
}
