package dev.panamarnn.seq2seq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seq2SeqFile: a saved model loads with the same parameters and decodes the same translations (on
 * both kernels), and a file that is not exactly such a model is refused with a
 * {@link ModelFileException} naming the problem, before anything is built.
 */
class Seq2SeqFileTest {
    private static final Seq2SeqConfig BI_LSTM = new Seq2SeqConfig(CellType.LSTM, 6, 7, 4, 5, 2, true, 1, 2, 3);
    private static final Seq2SeqConfig GRU = new Seq2SeqConfig(CellType.GRU, 9, 5, 3, 4, 1, false, 0, 4, 11);

    @TempDir
    Path dir;

    @Test
    void savedModelLoadsWithItsParametersAndTranslatesTheSame() throws Exception {
        for (Seq2SeqConfig config : new Seq2SeqConfig[] {BI_LSTM, GRU}) {
            for (Kernels kernels : new Kernels[] {KernelsForTests.java(), KernelsForTests.nativeKernels()}) {
                Path file = dir.resolve(config.cell().id() + "-" + kernels.name() + ".safetensors");
                try (Seq2Seq saved = Seq2Seq.create(config, kernels)) {
                    perturb(saved, 17);                                   // not what a fresh model of the same seed holds
                    Seq2SeqFile.save(file, saved, Map.of("note", "test"));
                    try (Seq2Seq loaded = Seq2SeqFile.load(file, kernels); Seq2Seq fresh = Seq2Seq.create(config, kernels)) {
                        assertEquals(config, loaded.config());
                        assertArrayEquals(values(saved), values(loaded), "parameters, bit for bit");
                        assertFalse(Arrays.equals(values(fresh), values(loaded)), "the file's parameters, not the seed's");
                        assertSameTranslations(saved, loaded, config);
                    }
                }
                try (SafeTensorsFile f = SafeTensors.read(file)) {
                    assertEquals("test", f.metadata().get("note"));
                    assertEquals(Seq2SeqFile.KIND, f.metadata().get("panama_rnn.kind"));
                }
            }
        }
    }

    @Test
    void extraMetadataCannotReplaceTheModels() throws Exception {
        try (Seq2Seq model = Seq2Seq.create(GRU, KernelsForTests.java())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Seq2SeqFile.save(dir.resolve("m.safetensors"), model, Map.of("seq2seq.bos", "3")));
            assertTrue(e.getMessage().contains("'seq2seq.bos' is reserved"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("m.safetensors")));
        }
    }

    @Test
    void hostileFilesAreRefusedNamingTheProblem() throws Exception {
        Path good = dir.resolve("good.safetensors");
        try (Seq2Seq model = Seq2Seq.create(BI_LSTM, KernelsForTests.java())) {
            Seq2SeqFile.save(good, model, Map.of());
        }
        refused(good, (m, t) -> m.remove("panama_rnn.kind"), "is not a seq2seq model (metadata panama_rnn.kind is missing");
        refused(good, (m, t) -> m.put("panama_rnn.kind", "sequence-model"), "is not a seq2seq model");
        refused(good, (m, t) -> m.put("seq2seq.bos", "7"), "metadata 'seq2seq.bos' must be an integer in [0, 6], got 7");
        refused(good, (m, t) -> m.put("seq2seq.target_vocab", "-3"), "metadata 'seq2seq.target_vocab'");
        refused(good, (m, t) -> m.remove("seq2seq.seed"), "metadata 'seq2seq.seed' is missing");
        refused(good, (m, t) -> m.put("encoder.cell", "transformer"), "metadata 'encoder.cell' is 'transformer'");
        refused(good, (m, t) -> m.put("encoder.dropout", "0.5"), "a seq2seq encoder has neither");
        refused(good, (m, t) -> m.put("encoder.num_layers", "2000000000"), "tensors can hold");
        refused(good, (m, t) -> m.put("seq2seq.source_vocab", "2000000000"), "tensor 'source_embedding.weight' is [6, 4], expected [2000000000, 4]");
        refused(good, (m, t) -> t.remove("attention.weight"), "tensor 'attention.weight' is missing");
        refused(good, (m, t) -> t.put("stray", t.get("output.bias")), "unexpected tensor 'stray'");
        refused(good, (m, t) -> t.put("output.bias", t.get("output.weight")), "tensor 'output.bias' is [7, 20], expected [7]");
        refused(good, (m, t) -> t.get("decoder.weight_hh_l1").set(3, Float.NaN), "tensor 'decoder.weight_hh_l1' element 3 is NaN");

        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 5));
        assertThrows(ModelFileException.class, () -> Seq2SeqFile.load(cut));

        Path rnnFile = dir.resolve("rnn.safetensors");                   // a model file of another kind
        try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.GRU, 3, 4).build(), KernelsForTests.java())) {
            ModelFile.save(rnnFile, rnn);
        }
        ModelFileException other = assertThrows(ModelFileException.class, () -> Seq2SeqFile.load(rnnFile));
        assertTrue(other.getMessage().contains("is not a seq2seq model"), other.getMessage());
    }

    /** The good file with its metadata and tensors changed by {@code change} is refused with {@code message}. */
    private void refused(Path good, Change change, String message) throws Exception {
        Path bad = dir.resolve("bad.safetensors");
        try (SafeTensorsFile f = SafeTensors.read(good); Arena arena = Arena.ofConfined()) {
            Map<String, String> metadata = new LinkedHashMap<>(f.metadata());
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String name : f.names()) {
                tensors.put(name, Tensor.allocate(arena, f.shape(name)).copyFrom(f.tensor(name).toArray()));
            }
            change.apply(metadata, tensors);
            SafeTensors.write(bad, tensors, metadata);
        }
        ModelFileException e = assertThrows(ModelFileException.class, () -> Seq2SeqFile.load(bad, KernelsForTests.java()));
        assertTrue(e.getMessage().contains(message), "expected \"" + message + "\" in: " + e.getMessage());
        assertTrue(e.getMessage().contains("bad.safetensors"), e.getMessage());
    }

    private interface Change {
        void apply(Map<String, String> metadata, Map<String, Tensor> tensors);
    }

    private static void perturb(Seq2Seq model, long seed) {
        Random random = new Random(seed);
        for (Tensor t : model.parameters().tensors().values()) {
            for (long i = 0; i < t.size(); i++) {
                t.set(i, (float) random.nextGaussian() * 0.5f);
            }
        }
    }

    private static float[] values(Seq2Seq model) {
        return model.parameters().tensors().values().stream().map(Tensor::toArray).reduce((a, b) -> {
            float[] joined = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, joined, a.length, b.length);
            return joined;
        }).orElseThrow();
    }

    private static void assertSameTranslations(Seq2Seq a, Seq2Seq b, Seq2SeqConfig config) {
        Random random = new Random(3);
        try (Seq2SeqDecoder da = a.decoder(6, 3); Seq2SeqDecoder db = b.decoder(6, 3)) {
            for (int n = 0; n < 5; n++) {
                int[] source = random.ints(1 + random.nextInt(6), 0, config.sourceVocab()).toArray();
                Translation ta = da.beam(source, 8, 0.6), tb = db.beam(source, 8, 0.6);
                assertArrayEquals(ta.tokens(), tb.tokens(), "source " + Arrays.toString(source));
                assertEquals(ta.logProb(), tb.logProb(), 0.0);
            }
        }
    }
}
