package dev.panamarnn.onnx;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.ModelFormat;
import dev.panamarnn.io.SafeTensorsFile;
import java.nio.file.Path;

/**
 * The {@link ModelFormat} service for {@code .onnx} files (registered in
 * META-INF/services/dev.panamarnn.io.ModelFormat): with this module on the class path,
 * {@code SequenceModel.load(path)} and {@code ModelFile.load(path)} read ONNX ({@link OnnxImport}).
 */
public final class OnnxFormat implements ModelFormat {
    @Override
    public String name() {
        return "ONNX";
    }

    @Override
    public String extension() {
        return ".onnx";
    }

    @Override
    public SafeTensorsFile read(Path file) throws ModelFileException {
        return OnnxImport.read(file).toFile();
    }
}
