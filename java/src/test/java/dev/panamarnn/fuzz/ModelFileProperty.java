package dev.panamarnn.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.Rnn;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * The property both model-file fuzz tests check ({@link RawModelFileFuzzTest},
 * {@link ModelFileHeaderFuzzTest}): a file either loads — every tensor is a view of its declared
 * shape inside the data section, the tensors tile it, and a network built from it saves and reads
 * back to the same bytes — or {@link SafeTensors#read} / {@link ModelFile#load} refuse it with the
 * documented {@link ModelFileException}. Any other exception or error is a finding.
 */
final class ModelFileProperty {
    private static final ScratchFile RESAVED = new ScratchFile(".safetensors");
    /** The prefixes the seed files use: none (a bare nn.LSTM/GRU/RNN) and a nested module's "rnn.". */
    private static final List<String> PREFIXES = List.of("", "rnn.");
    /** Where the reads of every tensor value go, so the JIT cannot drop them. */
    static float sink;

    private ModelFileProperty() {}

    /** The property, for the file at {@code path}. */
    static void check(Path path) throws Exception {
        SafeTensorsFile file;
        try {
            file = SafeTensors.read(path);
        } catch (ModelFileException documented) {
            assertEquals(path, documented.file());
            return;
        }
        try (file) {
            checkTiling(file);
            for (String prefix : PREFIXES) {
                loadNetwork(file, prefix);
            }
        }
        assertThrows(IllegalStateException.class, file::names, "a closed file refuses access");
    }

    /** Every tensor is a view of its declared shape inside the data section, and they cover it exactly. */
    private static void checkTiling(SafeTensorsFile file) throws ModelFileException {
        long bytes = 0;
        Map<String, String> metadata = file.metadata();
        metadata.forEach((k, v) -> assertTrue(k != null && v != null));
        assertEquals(file.names().size(), new HashSet<>(file.names()).size(), "tensor names are distinct");
        for (String name : file.names()) {
            Tensor t = file.tensor(name);
            assertArrayEquals(file.shape(name), t.shape());
            MemorySegment values = t.segment();
            assertEquals(Tensor.elementCount(t.shape()) * Float.BYTES, values.byteSize(), name);
            for (long i = 0; i < t.size(); i++) {
                sink += values.getAtIndex(ValueLayout.JAVA_FLOAT, i);   // touches every byte of the view
            }
            bytes += values.byteSize();
        }
        assertEquals(file.dataBytes(), bytes, "the tensors tile the data section");
    }

    /**
     * Builds the network described under {@code prefix} if the file describes one; a loaded network
     * must save and read back with the very same parameter bytes.
     */
    private static void loadNetwork(SafeTensorsFile file, String prefix) throws ModelFileException {
        Rnn rnn;
        try {
            rnn = ModelFile.load(file, prefix, KernelSelection.selected());
        } catch (ModelFileException documented) {
            return;
        }
        try (rnn) {
            ModelFile.save(RESAVED.path(), rnn);
            try (SafeTensorsFile again = SafeTensors.read(RESAVED.path())) {
                assertEquals(rnn.config(), ModelFile.config(again, ""));
                for (String name : again.names()) {
                    assertArrayEquals(bytes(file.tensor(prefix + name)), bytes(again.tensor(name)), prefix + name);
                }
            }
        }
    }

    private static byte[] bytes(Tensor t) {
        return t.segment().toArray(ValueLayout.JAVA_BYTE);
    }
}
