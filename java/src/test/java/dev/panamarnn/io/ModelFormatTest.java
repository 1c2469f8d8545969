package dev.panamarnn.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.model.SequenceModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without panama-rnn-onnx on the class path an .onnx path is a clear error; SafeTensorsFile.of checks its framing. */
class ModelFormatTest {
    @TempDir
    Path tmp;

    @Test
    void anOnnxFileNeedsTheOnnxModule() throws Exception {
        Path f = Files.write(tmp.resolve("m.ONNX"), new byte[] {1, 2, 3});
        ModelFileException e = assertThrows(ModelFileException.class, () -> SequenceModel.load(f));
        assertTrue(e.getMessage().contains("panama-rnn-onnx"), e.getMessage());
        e = assertThrows(ModelFileException.class, () -> ModelFile.load(f));
        assertTrue(e.getMessage().contains("panama-rnn-onnx"), e.getMessage());
    }

    @Test
    void tensorsFromAnotherFormatAreChecked() {
        Path f = tmp.resolve("x.onnx");
        assertThrows(ModelFileException.class, () -> SafeTensorsFile.of(f, Map.of(),
                Map.of("w", new SafeTensorsFile.Values(new int[] {2, 3}, new float[5]))));
        assertThrows(ModelFileException.class, () -> SafeTensorsFile.of(f, Map.of(),
                Map.of("w", new SafeTensorsFile.Values(new int[] {-1}, new float[0]))));
        assertThrows(ModelFileException.class, () -> SafeTensorsFile.of(f, Map.of(),
                Map.of("w", new SafeTensorsFile.Values(new int[] {65536, 65536}, new float[1]))));
    }
}
