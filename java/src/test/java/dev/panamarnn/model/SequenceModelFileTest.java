package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
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
 * Saving and loading a SequenceModel: a round trip keeps every parameter, the normalisation, the
 * target normalisation and the spec (class names with newlines and backslashes included); a file whose metadata or tensors
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

    /** A reset-before GRU classifier keeps its cell (rnn.cell = gru_reset_before) and predicts the same after a round trip. */
    @Test
    void roundTripKeepsTheResetBeforeGru() throws Exception {
        Path file = dir.resolve("rb.safetensors");
        SequenceDataset data = SequenceDataset.ofInputs(List.<float[][]>of(new float[][] {{1, 2, 3}, {0, -1, 2}, {2, 0, 1}},
                new float[][] {{-1, 0.5f, 2}}));
        try (SequenceModel saved = SequenceModel.builder().features(3).classify(3).cell(CellType.GRU_RESET_BEFORE).hidden(5)
                .layers(2).bidirectional(true).seed(9).kernels(KernelsForTests.java()).build()) {
            saved.save(file);
            try (SafeTensorsFile f = SafeTensors.read(file)) {
                assertEquals("gru_reset_before", f.metadata().get("rnn.cell"));
            }
            try (SequenceModel loaded = SequenceModelFile.load(file, KernelsForTests.java())) {
                assertEquals(CellType.GRU_RESET_BEFORE, loaded.spec().cell());
                assertEquals(saved.spec(), loaded.spec());
                assertArrayEquals(saved.predict(data)[0], loaded.predict(data)[0]);
                assertArrayEquals(saved.predict(data)[1], loaded.predict(data)[1]);
            }
        }
    }

    /** A per-step regressor of K = 2 values with target normalisation. */
    static SequenceModel regressor() {
        return SequenceModel.builder().features(3).regress(2).output(OutputMode.PER_STEP)
                .normaliseTargets(new float[] {100f, -3f}, new float[] {20f, 0.5f}).cell(CellType.LSTM).hidden(4)
                .seed(3).kernels(KernelsForTests.java()).build();
    }

    @Test
    void roundTripKeepsTargetNormalisation() throws Exception {
        Path file = dir.resolve("r.safetensors");
        SequenceDataset data = SequenceDataset.ofStepTargets(List.<float[][]>of(new float[][] {{1, 2, 3}, {0, -1, 2}}),
                List.<float[][]>of(new float[][] {{90, -3}, {110, -2}}));
        try (SequenceModel saved = regressor()) {
            saved.save(file);
            try (SafeTensorsFile f = SafeTensors.read(file)) {
                assertEquals("true", f.metadata().get("model.normalise_targets"));
                assertArrayEquals(new float[] {100f, -3f}, f.tensor("normalise.target_mean").toArray());
                assertArrayEquals(new float[] {20f, 0.5f}, f.tensor("normalise.target_std").toArray());
            }
            try (SequenceModel loaded = SequenceModelFile.load(file, KernelsForTests.java())) {
                assertEquals(saved.spec(), loaded.spec());
                assertTrue(loaded.spec().targetsNormalised());
                assertArrayEquals(saved.predict(data)[0], loaded.predict(data)[0]);
            }
        }
    }

    @Test
    void filesWithoutTargetNormalisationStillLoad() throws Exception {
        Path good = dir.resolve("good.safetensors"), old = dir.resolve("old.safetensors");
        try (SequenceModel m = model()) {
            m.save(good);
            try (SafeTensorsFile f = SafeTensors.read(good)) {
                assertEquals("false", f.metadata().get("model.normalise_targets"));
            }
            rewrite(good, old, (meta, t) -> meta.remove("model.normalise_targets"));   // as written before target normalisation
            try (SequenceModel loaded = SequenceModelFile.load(old, KernelsForTests.java())) {
                assertEquals(m.spec(), loaded.spec());
                assertFalse(loaded.spec().targetsNormalised());
            }
        }
    }

    /** Copies {@code from} to {@code to} with a change to its metadata or tensors. */
    static void rewrite(Path from, Path to, BiConsumer<Map<String, String>, Map<String, Tensor>> change) throws Exception {
        try (SafeTensorsFile f = SafeTensors.read(from); Arena arena = Arena.ofConfined()) {
            Map<String, String> meta = new LinkedHashMap<>(f.metadata());
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String name : f.names()) {
                tensors.put(name, Tensor.allocate(arena, f.shape(name)).copyFrom(f.tensor(name).toArray()));
            }
            change.accept(meta, tensors);
            SafeTensors.write(to, tensors, meta);
        }
    }

    /** Rewrites the saved model's file with a change to its metadata or tensors, and loads it. */
    ModelFileException broken(BiConsumer<Map<String, String>, Map<String, Tensor>> change) throws Exception {
        return broken(model(), change);
    }

    /** The same for the file of {@code model} (closed here). */
    ModelFileException broken(SequenceModel model, BiConsumer<Map<String, String>, Map<String, Tensor>> change) throws Exception {
        Path good = dir.resolve("good.safetensors"), bad = dir.resolve("bad.safetensors");
        try (SequenceModel m = model) {
            m.save(good);
        }
        rewrite(good, bad, change);
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
        expect(broken((m, t) -> t.get("normalise.std").set(1, 0f)), "tensor 'normalise.std' element 1 is 0.0", "standard deviation must be > 0");
        // finite, but normalising with them overflows float32
        expect(broken((m, t) -> t.get("normalise.mean").set(0, 1e38f)), "tensor 'normalise.mean' element 0 is 1.0E38", "|mean| <= 2^100");
        expect(broken((m, t) -> t.get("normalise.std").set(2, 1e-40f)), "tensor 'normalise.std' element 2 is 1.0E-40", "std in [2^-100, 2^100]");
        expect(broken((m, t) -> t.get("normalise.std").set(0, 3e38f)), "tensor 'normalise.std' element 0 is 3.0E38", "overflow float32");
        expect(broken((m, t) -> m.put("model.class_names", "a\nb")), "one per class (3), got 2");
        expect(broken((m, t) -> m.put("model.class_names", "a\nb\\x\nc")), "bad escape");
    }

    @Test
    void badTargetNormalisationIsRefusedByName() throws Exception {
        expect(broken(regressor(), (m, t) -> t.remove("normalise.target_std")), "'normalise.target_std' is missing");
        expect(broken(regressor(), (m, t) -> {
            t.remove("normalise.target_mean");
            t.remove("normalise.target_std");
        }), "'normalise.target_mean' is missing", "'normalise.target_std' is missing");
        expect(broken(regressor(), (m, t) -> t.put("normalise.target_mean", t.get("rnn.bias_ih_l0"))),
                "tensor 'normalise.target_mean' is [16], expected [2]");
        expect(broken(regressor(), (m, t) -> m.put("model.outputs", "3")), "normalise.target_mean", "[2], expected [3]");
        expect(broken(regressor(), (m, t) -> t.get("normalise.target_mean").set(1, Float.NaN)), "normalise.target_mean", "element 1", "NaN");
        expect(broken(regressor(), (m, t) -> t.get("normalise.target_std").set(0, Float.POSITIVE_INFINITY)), "normalise.target_std",
                "element 0", "Infinity");
        expect(broken(regressor(), (m, t) -> t.get("normalise.target_std").set(1, 0f)), "normalise.target_std", "element 1",
                "standard deviation must be > 0");
        expect(broken(regressor(), (m, t) -> t.get("normalise.target_std").set(0, -2f)), "normalise.target_std", "element 0", "-2.0");
        expect(broken(regressor(), (m, t) -> t.get("normalise.target_mean").set(1, -1e38f)), "tensor 'normalise.target_mean' element 1 is -1.0E38",
                "|mean| <= 2^100");
        expect(broken(regressor(), (m, t) -> t.get("normalise.target_std").set(1, 1e35f)), "tensor 'normalise.target_std' element 1 is 1.0E35",
                "std in [2^-100, 2^100]");
        expect(broken(regressor(), (m, t) -> m.put("model.normalise_targets", "yes")), "model.normalise_targets", "yes");
        expect(broken(regressor(), (m, t) -> m.put("model.normalise_targets", "false")), "unexpected tensor 'normalise.target_mean'");
        expect(broken((m, t) -> m.put("model.normalise_targets", "true")), "'model.normalise_targets' is true for a classification model");
        expect(broken(regressor(), (m, t) -> m.put("model.outputs", "2000000000")), "normalise.target_mean", "expected [2000000000]");
    }
}
