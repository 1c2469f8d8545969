package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saving and loading a SequenceModel: a round trip keeps every parameter, the normalisation and
 * the spec (class names with newlines and backslashes included); a file whose metadata or tensors
 * do not describe a valid model is a ModelFileException naming the problem, before anything is
 * allocated for the model.
 */
class SequenceModelFileTest {
    @TempDir
    Path dir;

    static SequenceModel model() {
        return SequenceModel.builder().features(3).normalise(new float[] {1, 2, 3}, new float[] {0.5f, 1, 2}).classify(3)
                .classNames(List.of("a", "line\nbreak", "back\\slash")).cell(CellType.GRU).hidden(5).layers(2).headHidden(4)
                .seed(7).kernels(KernelsForTests.java()).build();
    }

    @Test
    void roundTripKeepsParametersNormalisationAndSpec() throws Exception {
        Path file = dir.resolve("m.safetensors");
        try (SequenceModel saved = model()) {
            saved.save(file);
            try (SequenceModel loaded = SequenceModelFile.load(file, KernelsForTests.java())) {
                assertEquals(saved.spec(), loaded.spec());
                assertArrayEquals(saved.parameters().all().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT),
                        loaded.parameters().all().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT));
            }
        }
    }

    /** Rewrites the saved model's file with a change to its metadata or tensors, and loads it. */
    ModelFileException broken(BiConsumer<Map<String, String>, Map<String, Tensor>> change) throws Exception {
        Path good = dir.resolve("good.safetensors"), bad = dir.resolve("bad.safetensors");
        try (SequenceModel m = model()) {
            m.save(good);
        }
        try (SafeTensorsFile f = SafeTensors.read(good); Arena arena = Arena.ofConfined()) {
            Map<String, String> meta = new LinkedHashMap<>(f.metadata());
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String name : f.names()) {
                tensors.put(name, Tensor.allocate(arena, f.shape(name)).copyFrom(f.tensor(name).toArray()));
            }
            change.accept(meta, tensors);
            SafeTensors.write(bad, tensors, meta);
        }
        return assertThrows(ModelFileException.class, () -> SequenceModelFile.load(bad, KernelsForTests.java()));
    }

    static void expect(ModelFileException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message names '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void badFilesAreRefusedByName() throws Exception {
        expect(broken((m, t) -> m.put("panama_rnn.kind", "char-lm-x")), "is not a sequence model", "char-lm-x");
        expect(broken((m, t) -> m.put("model.task", "ranking")), "unknown task 'ranking'");
        expect(broken((m, t) -> m.put("model.outputs", "4")), "one per class (4), got 3");
        expect(broken((m, t) -> {
            m.put("model.outputs", "4");
            m.remove("model.class_names");
        }), "head.2.weight", "[3, 4]", "expected [4, 4]");
        expect(broken((m, t) -> {
            m.put("model.outputs", "2000000000");
            m.remove("model.class_names");
        }), "head.2.weight");
        expect(broken((m, t) -> m.put("model.features", "2")), "rnn.input_size 3 differs");
        expect(broken((m, t) -> m.put("model.head_hidden", "-1")), "model.head_hidden");
        expect(broken((m, t) -> m.put("model.normalise", "yes")), "model.normalise", "yes");
        expect(broken((m, t) -> m.remove("model.input")), "'model.input' is missing");
        expect(broken((m, t) -> t.remove("normalise.std")), "'normalise.std' is missing");
        expect(broken((m, t) -> t.remove("rnn.bias_hh_l1")), "'rnn.bias_hh_l1' is missing");
        expect(broken((m, t) -> t.put("extra.weight", t.get("head.0.bias"))), "unexpected tensor 'extra.weight'");
        expect(broken((m, t) -> t.get("head.0.bias").set(2, Float.NaN)), "head.0.bias", "element 2", "NaN");
        expect(broken((m, t) -> t.get("normalise.std").set(1, 0f)), "std > 0");
        expect(broken((m, t) -> m.put("model.class_names", "a\nb")), "one per class (3), got 2");
        expect(broken((m, t) -> m.put("model.class_names", "a\nb\\x\nc")), "bad escape");
    }
}
