package dev.panamarnn.io;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A model file format other than safetensors, read into the tensors and metadata of the library's
 * own model file: a service ({@link ServiceLoader}) that a module on the class or module path
 * provides, such as panama-rnn-onnx for {@code .onnx} files. The library's loaders
 * ({@link ModelFile#load(Path)}, {@code SequenceModel.load}) ask {@link #forFile} which format a
 * path is in, and load what {@link #read} returns through exactly the checks a safetensors file
 * gets ({@link SafeTensorsFile#of}), so a hostile file of another format can bypass none of them.
 * The library itself depends on no format's parser.
 */
public interface ModelFormat {
    /** File-name extensions that are known to need a provider, and which module provides it. */
    String ONNX_MODULE = "panama-rnn-onnx (Maven dev.panamarnn:panama-rnn-onnx)";

    /** The format's name for messages, e.g. "ONNX". */
    String name();

    /** The file-name extension this format reads, lower case with its dot, e.g. ".onnx". */
    String extension();

    /**
     * Reads {@code file} as this format.
     * @return the model's tensors under the library's names and its metadata ({@link SafeTensorsFile#of});
     *         the caller owns and closes it
     * @throws ModelFileException for any problem of the file: a one-line message naming the file and the problem
     */
    SafeTensorsFile read(Path file) throws ModelFileException;

    /**
     * The provider that reads {@code file} (by its extension, case-insensitive), or empty for a
     * file the library reads itself (safetensors, whatever its name).
     * @throws ModelFileException if the file is {@code .onnx} and no provider of ONNX is on the path
     */
    static Optional<ModelFormat> forFile(Path file) throws ModelFileException {
        Path name = file.getFileName();
        String lower = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        for (ModelFormat format : ServiceLoader.load(ModelFormat.class, ModelFormat.class.getClassLoader())) {
            if (lower.endsWith(format.extension())) {
                return Optional.of(format);
            }
        }
        if (lower.endsWith(".onnx")) {
            throw new ModelFileException(file, "is an ONNX file; reading ONNX needs the module " + ONNX_MODULE + " on the class path");
        }
        return Optional.empty();
    }
}
