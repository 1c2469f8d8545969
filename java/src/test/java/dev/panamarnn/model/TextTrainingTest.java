package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.CellType;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.train.AdamW;
import dev.panamarnn.train.LearningRateSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The char-level trainer: it learns, a checkpointed run resumes exactly, samples are reproducible. */
public class TextTrainingTest {
    public static final String TEXT = "the quick brown fox jumps over the lazy dog. ".repeat(200);
    public static final CharModel.Config CONFIG = new CharModel.Config(CellType.LSTM, 8, 24, 2, 0.0, 3);
    public static final TextTrainer.Settings SETTINGS = new TextTrainer.Settings(4, 16, 1.0, 5);

    @TempDir
    Path dir;

    public static AdamW adam(CharModel m) {
        return new AdamW(m.kernels(), m.parameters(), m.gradients(), LearningRateSchedule.constant(1e-2), 0.9, 0.999, 1e-8, 0.01);
    }

    @Test
    void learnsARepetitiveText() {
        TextCorpus corpus = TextCorpus.of(TEXT, 0.1);
        try (CharModel model = new CharModel(CONFIG, corpus.vocabulary(), KernelsForTests.nativeKernels());
             AdamW optimizer = adam(model);
             TextTrainer trainer = new TextTrainer(model, corpus, SETTINGS, optimizer)) {
            double first = trainer.trainStep().loss();
            assertEquals(Math.log(corpus.vocabulary().size()), first, 0.3, "an untrained model is close to uniform");
            double before = trainer.validationBitsPerCharacter(10_000);
            for (int i = 0; i < 300; i++) {
                trainer.trainStep();
            }
            double after = trainer.validationBitsPerCharacter(10_000);
            assertTrue(after < 0.5 * before && after < 1.5, "validation bpc " + before + " -> " + after);
            try (CharSampler sampler = new CharSampler(model)) {
                String a = sampler.sample("the ", 60, 0.5, 7), b = sampler.sample("the ", 60, 0.5, 7);
                assertEquals(a, b, "same seed, same text");
                assertTrue(sampler.sample("the quick brown ", 4, 0, 1).endsWith("fox "), "greedy continuation of a memorised text");
            }
        }
    }

    @Test
    void resumedRunReproducesTheUninterruptedLosses() throws Exception {
        TextCorpus corpus = TextCorpus.of(TEXT, 0.1);
        Kernels kernels = KernelsForTests.nativeKernels();
        Path checkpoint = dir.resolve("ckpt.safetensors");
        List<Double> uninterrupted = new ArrayList<>();
        try (CharModel model = new CharModel(CONFIG, corpus.vocabulary(), kernels);
             AdamW optimizer = adam(model);
             TextTrainer trainer = new TextTrainer(model, corpus, SETTINGS, optimizer)) {
            for (int i = 0; i < 20; i++) {
                double loss = trainer.trainStep().loss();
                if (i >= 10) {
                    uninterrupted.add(loss);
                }
                if (i == 9) {
                    Checkpoints.saveCharModel(checkpoint, model, optimizer, trainer);
                }
            }
        }
        List<Double> resumed = new ArrayList<>();
        try (CharModel model = Checkpoints.loadCharModel(checkpoint, kernels);
             AdamW optimizer = adam(model);
             TextTrainer trainer = new TextTrainer(model, corpus, SETTINGS, optimizer)) {
            Checkpoints.restoreTraining(checkpoint, optimizer, trainer);
            assertEquals(10, trainer.step());
            for (int i = 10; i < 20; i++) {
                resumed.add(trainer.trainStep().loss());
            }
        }
        assertEquals(uninterrupted, resumed);
    }

    @Test
    void modelFilesOfAnotherKindOrDamagedAreRejected() throws Exception {
        TextCorpus corpus = TextCorpus.of(TEXT, 0.1);
        Path file = dir.resolve("m.safetensors");
        try (CharModel model = new CharModel(CONFIG, corpus.vocabulary(), KernelsForTests.java())) {
            Checkpoints.saveCharModel(file, model, null, null);
        }
        var wrongKind = assertThrows(ModelFileException.class, () -> Checkpoints.loadSeriesModel(file, KernelsForTests.java()));
        assertTrue(wrongKind.getMessage().contains("is not a series-forecaster model"), wrongKind.getMessage());
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        assertThrows(ModelFileException.class, () -> Checkpoints.loadCharModel(file, KernelsForTests.java()));
    }
}
