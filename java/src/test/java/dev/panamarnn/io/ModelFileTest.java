package dev.panamarnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and loading an Rnn: metadata, names, prefixes, and every way a file can fail to match. */
class ModelFileTest {
    @TempDir
    Path dir;

    static final Kernels JAVA = KernelSelection.java();

    static RnnConfig lstm2Bi() {
        return RnnConfig.builder(CellType.LSTM, 5, 4).layers(2).bidirectional(true).dropout(0.25).seed(3).build();
    }

    /** The parameters of a network as one array, in layout order. */
    static float[] parameters(Rnn rnn) {
        return rnn.parameters().tensors().values().stream()
                .map(Tensor::toArray)
                .reduce(new float[0], (a, b) -> {
                    float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
                    System.arraycopy(b, 0, c, a.length, b.length);
                    return c;
                });
    }

    @Test
    void saveThenLoadGivesTheSameNetwork() throws Exception {
        Path file = dir.resolve("lstm.safetensors");
        try (Rnn rnn = Rnn.create(lstm2Bi(), JAVA)) {
            ModelFile.save(file, rnn, "", Map.of("step", "1200"));
            try (Rnn back = ModelFile.load(file, JAVA)) {
                assertEquals(rnn.config().cell(), back.config().cell());
                assertEquals(rnn.config().inputSize(), back.config().inputSize());
                assertEquals(rnn.config().hiddenSize(), back.config().hiddenSize());
                assertEquals(rnn.config().numLayers(), back.config().numLayers());
                assertEquals(rnn.config().bidirectional(), back.config().bidirectional());
                assertEquals(0.25, back.config().dropout());
                assertArrayEquals(parameters(rnn), parameters(back));
                assertEquals(forward(rnn), forward(back));
            }
            // into an existing network of the same architecture, another seed
            RnnConfig other = RnnConfig.builder(CellType.LSTM, 5, 4).layers(2).bidirectional(true).seed(99).build();
            try (Rnn target = Rnn.create(other, JAVA); SafeTensorsFile f = SafeTensors.read(file)) {
                ModelFile.load(f, "", target);
                assertArrayEquals(parameters(rnn), parameters(target));
            }
        }
    }

    static List<Float> forward(Rnn rnn) {
        try (Workspace ws = rnn.workspace(3, 2); Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, 3, 2, rnn.config().inputSize());
            SplittableRandom r = new SplittableRandom(8);
            for (long i = 0; i < x.size(); i++) {
                x.set(i, (float) r.nextGaussian());
            }
            float[] out = ws.forward(x, null, null, null, false).toArray();
            List<Float> list = new java.util.ArrayList<>();
            for (float v : out) {
                list.add(v);
            }
            return list;
        }
    }

    @Test
    void metadataAndNamesArePyTorchs() throws Exception {
        Path file = dir.resolve("gru.safetensors");
        try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.GRU, 3, 2).bidirectional(true).batchFirst(true).build(), JAVA)) {
            ModelFile.save(file, rnn);
        }
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            Map<String, String> expected = new LinkedHashMap<>();
            expected.put("cell", "gru");
            expected.put("input_size", "3");
            expected.put("hidden_size", "2");
            expected.put("num_layers", "1");
            expected.put("bidirectional", "true");
            expected.put("batch_first", "true");
            expected.put("dropout", "0.0");
            assertEquals(expected, f.metadata());
            assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                    "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"), f.names());
            assertArrayEquals(new int[] {6, 3}, f.shape("weight_ih_l0"));
            assertArrayEquals(new int[] {6, 2}, f.shape("weight_hh_l0_reverse"));
            assertArrayEquals(new int[] {6}, f.shape("bias_hh_l0"));
            assertTrue(ModelFile.config(f, "").batchFirst());
        }
    }

    /** A network inside a larger model: prefixed names and keys; other parts' tensors are left alone. */
    @Test
    void prefixPlacesTheNetworkInsideALargerModel() throws Exception {
        Path file = dir.resolve("composite.safetensors");
        try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.RNN_RELU, 2, 3).layers(2).build(), JAVA);
             Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> all = new LinkedHashMap<>();
            all.put("embedding.weight", Tensor.allocate(arena, 10, 2));
            all.putAll(ModelFile.tensors(rnn, "encoder."));
            all.put("head.weight", Tensor.allocate(arena, 4, 3));
            Map<String, String> metadata = ModelFile.metadata(rnn.config(), "encoder.", Map.of("vocabulary", "abcdefghij"));
            SafeTensors.write(file, all, metadata);
            try (SafeTensorsFile f = SafeTensors.read(file)) {
                assertEquals("rnn_relu", f.metadata().get("encoder.cell"));
                assertEquals("abcdefghij", f.metadata().get("vocabulary"));
                assertTrue(f.contains("encoder.weight_hh_l1"));
                try (Rnn back = ModelFile.load(f, "encoder.", JAVA)) {
                    assertEquals(CellType.RNN_RELU, back.config().cell());
                    assertArrayEquals(parameters(rnn), parameters(back));
                }
                ModelFileException noPrefix = assertThrows(ModelFileException.class, () -> ModelFile.load(f, "", JAVA));
                assertTrue(noPrefix.getMessage().contains("metadata has no 'cell' (not a panama-rnn model file, or another prefix?)"),
                        noPrefix.getMessage());
            }
        }
        try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.GRU, 2, 3).build(), JAVA)) {
            assertThrows(IllegalArgumentException.class, () -> ModelFile.save(file, rnn, "", Map.of("hidden_size", "7")));
            ModelFile.save(file, rnn, "rnn.", Map.of("hidden_size", "7"));   // not reserved under another prefix
        }
    }

    @Test
    void anotherArchitectureIsRejectedNamingEveryDifference() throws Exception {
        Path file = dir.resolve("a.safetensors");
        try (Rnn rnn = Rnn.create(lstm2Bi(), JAVA)) {
            ModelFile.save(file, rnn);
        }
        try (SafeTensorsFile f = SafeTensors.read(file);
             Rnn gru = Rnn.create(RnnConfig.builder(CellType.GRU, 5, 8).layers(2).build(), JAVA)) {
            float[] before = parameters(gru);
            ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(f, "", gru));
            assertEquals("model file " + file + ": holds another architecture: cell is lstm in the file, the network has gru, "
                    + "hidden_size is 4 in the file, the network has 8, bidirectional is true in the file, the network has false",
                    e.getMessage());
            assertArrayEquals(before, parameters(gru), "a failed load changes nothing");
        }
    }

    /** Rewrites a saved file with some tensors changed, to test the checks behind valid metadata. */
    Path variant(String name, java.util.function.Consumer<Map<String, Tensor>> edit, Arena arena) throws Exception {
        Path file = dir.resolve(name + ".safetensors");
        try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.GRU, 3, 2).layers(2).build(), JAVA)) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : ModelFile.tensors(rnn, "").entrySet()) {
                tensors.put(e.getKey(), Tensor.allocate(arena, e.getValue().shape()).copyFrom(e.getValue().toArray()));
            }
            edit.accept(tensors);
            SafeTensors.write(file, tensors, ModelFile.metadata(rnn.config(), "", Map.of()));
        }
        return file;
    }

    @Test
    void missingExtraAndMisshapenTensorsAreNamed() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Path missing = variant("missing", t -> t.remove("bias_hh_l1"), arena);
            assertLoadFails(missing, "does not match gru input_size 3 hidden_size 2 num_layers 2 unidirectional: missing tensors [bias_hh_l1]");
            Path extra = variant("extra", t -> t.put("weight_ih_l2", Tensor.allocate(arena, 6, 2)), arena);
            assertLoadFails(extra, ": unexpected tensors [weight_ih_l2]");
            Path shape = variant("shape", t -> t.put("weight_hh_l0", Tensor.allocate(arena, 2, 6)), arena);
            assertLoadFails(shape, ": wrong shapes: weight_hh_l0 is [2, 6], expected [6, 2]");
            Path several = variant("several", t -> {
                t.remove("bias_ih_l0");
                t.put("bias_hh_l0", Tensor.allocate(arena, 5));
                t.put("bogus", Tensor.allocate(arena, 1));
            }, arena);
            assertLoadFails(several, "missing tensors [bias_ih_l0]; wrong shapes: bias_hh_l0 is [5], expected [6]; unexpected tensors [bogus]");
            Path others = variant("others", t -> t.put("head.weight", Tensor.allocate(arena, 1)), arena);
            try (Rnn ok = ModelFile.load(others, JAVA)) {
                assertEquals(2, ok.config().numLayers());   // a dotted name belongs to another part of the model
            }
            Path nan = variant("nan", t -> t.get("weight_hh_l1").set(3, Float.NaN), arena);
            assertLoadFails(nan, "tensor 'weight_hh_l1' element 3 is NaN; parameters must be finite");
            Path inf = variant("inf", t -> t.get("bias_ih_l0").set(0, Float.NEGATIVE_INFINITY), arena);
            assertLoadFails(inf, "tensor 'bias_ih_l0' element 0 is -Infinity");
        }
    }

    void assertLoadFails(Path file, String fragment) throws Exception {
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(file, JAVA).close());
        assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
        // and into an existing network: nothing is written
        try (Rnn target = Rnn.create(RnnConfig.builder(CellType.GRU, 3, 2).layers(2).seed(5).build(), JAVA);
             SafeTensorsFile f = SafeTensors.read(file)) {
            float[] before = parameters(target);
            ModelFileException into = assertThrows(ModelFileException.class, () -> ModelFile.load(f, "", target));
            assertTrue(into.getMessage().contains(fragment), into.getMessage());
            assertArrayEquals(before, parameters(target), "all-or-nothing");
        }
    }

    /** Bad metadata values: each a ModelFileException naming the key and the value, before any allocation. */
    @Test
    void badMetadataValuesAreNamed() throws Exception {
        Object[][] cases = {
            {"cell", "lstm2", "metadata 'cell' is 'lstm2'; expected one of lstm, gru, gru_reset_before, rnn_tanh, rnn_relu"},
            {"hidden_size", "0", "metadata 'hidden_size' is '0'; expected an integer in [1, 2147483647]"},
            {"hidden_size", "-3", "metadata 'hidden_size' is '-3'"},
            {"hidden_size", "+3", "metadata 'hidden_size' is '+3'"},
            {"hidden_size", "03", "metadata 'hidden_size' is '03'"},
            {"hidden_size", " 3", "metadata 'hidden_size' is ' 3'"},
            {"hidden_size", "2147483648", "metadata 'hidden_size' is '2147483648'"},
            {"hidden_size", "1073741824", "metadata describes no valid network"},
            {"input_size", "abc", "metadata 'input_size' is 'abc'"},
            {"num_layers", "2147483647", "the metadata describes 2147483647 layer(s) x 1 direction(s) = 8589934588 tensors, more than a file can hold (100000)"},
            {"bidirectional", "True", "metadata 'bidirectional' is 'True'; expected true or false"},
            {"batch_first", "1", "metadata 'batch_first' is '1'; expected true or false"},
            {"dropout", "NaN", "metadata 'dropout' is 'NaN'; expected a decimal number"},
            {"dropout", "1.5", "metadata describes no valid network: dropout must be in [0, 1), got 1.5"},
            {"dropout", "0x1p-2", "metadata 'dropout' is '0x1p-2'"},
            {"input_size", null, "metadata has no 'input_size'"},
            {"num_layers", "3", "missing tensors [weight_ih_l1, weight_hh_l1, bias_ih_l1, bias_hh_l1, weight_ih_l2,"},
            {"hidden_size", "100000000", "wrong shapes: weight_ih_l0 is [8, 3], expected [400000000, 3]"},
            {"hidden_size", "3", "wrong shapes: weight_ih_l0 is [8, 3], expected [12, 3]"},
        };
        for (Object[] c : cases) {
            String key = (String) c[0], value = (String) c[1], fragment = (String) c[2];
            Path file = dir.resolve("meta.safetensors");
            try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.LSTM, 3, 2).build(), JAVA)) {
                Map<String, String> metadata = new LinkedHashMap<>(ModelFile.metadata(rnn.config(), "", Map.of()));
                if (value == null) {
                    metadata.remove(key);
                } else {
                    metadata.put(key, value);
                }
                SafeTensors.write(file, ModelFile.tensors(rnn, ""), metadata);
            }
            ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(file, JAVA).close(), key + "=" + value);
            assertTrue(e.getMessage().contains(fragment), () -> key + "=" + value + ": expected '" + fragment + "' in: " + e.getMessage());
        }
    }

    @Test
    void closedNetworkIsAnIllegalStateException() throws Exception {
        Path file = dir.resolve("c.safetensors");
        Rnn rnn = Rnn.create(RnnConfig.builder(CellType.RNN_TANH, 2, 2).build(), JAVA);
        ModelFile.save(file, rnn);
        rnn.close();
        assertThrows(IllegalStateException.class, () -> ModelFile.save(file, rnn));
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            assertThrows(IllegalStateException.class, () -> ModelFile.load(f, "", rnn));
        }
    }

    /** rnn_tanh and rnn_relu have identical shapes: only the metadata tells them apart, so it is required. */
    @Test
    void tanhAndReluAreToldApartByTheMetadata() throws Exception {
        Path file = dir.resolve("tanh.safetensors");
        try (Rnn tanh = Rnn.create(RnnConfig.builder(CellType.RNN_TANH, 2, 2).build(), JAVA)) {
            ModelFile.save(file, tanh);
        }
        try (SafeTensorsFile f = SafeTensors.read(file);
             Rnn relu = Rnn.create(RnnConfig.builder(CellType.RNN_RELU, 2, 2).build(), JAVA)) {
            ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(f, "", relu));
            assertTrue(e.getMessage().contains("cell is rnn_tanh in the file, the network has rnn_relu"), e.getMessage());
        }
        try (Rnn back = ModelFile.load(file, JAVA)) {
            assertEquals(CellType.RNN_TANH, back.config().cell());
        }
        assertTrue(Files.size(file) > 0);
    }
    /**
     * The reset-before GRU has PyTorch's GRU names and shapes: a file keeps its cell in the
     * metadata ("gru_reset_before"), loads back as that cell with the same outputs, and is refused
     * by a network of PyTorch's GRU (and the reverse), whose outputs from the same weights differ.
     */
    @Test
    void theResetBeforeGruRoundTripsAndIsToldApartFromPyTorchsGru() throws Exception {
        Path file = dir.resolve("gru_reset_before.safetensors");
        RnnConfig config = RnnConfig.builder(CellType.GRU_RESET_BEFORE, 3, 4).layers(2).bidirectional(true).seed(7).build();
        try (Rnn rnn = Rnn.create(config, JAVA)) {
            ModelFile.save(file, rnn, "", Map.of());
            try (SafeTensorsFile f = SafeTensors.read(file)) {
                assertEquals("gru_reset_before", f.metadata().get("cell"));
            }
            try (Rnn back = ModelFile.load(file, JAVA)) {
                assertEquals(CellType.GRU_RESET_BEFORE, back.config().cell());
                assertArrayEquals(parameters(rnn), parameters(back));
                assertEquals(forward(rnn), forward(back));
            }
            try (SafeTensorsFile f = SafeTensors.read(file);
                 Rnn gru = Rnn.create(RnnConfig.builder(CellType.GRU, 3, 4).layers(2).bidirectional(true).build(), JAVA)) {
                ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(f, "", gru));
                assertTrue(e.getMessage().contains("cell is gru_reset_before in the file, the network has gru"), e.getMessage());
                gru.parameters().all().copyFrom(rnn.parameters().all());                      // the same weights
                assertNotEquals(forward(rnn), forward(gru), "PyTorch's GRU gives other outputs from the same weights");
            }
        }
    }
}
