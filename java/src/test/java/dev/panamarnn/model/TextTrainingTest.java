package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A character-level language model on the model layer: a text read as parallel streams and
 * trained with stateful truncated BPTT learns it (validation bits per character), its samples are
 * reproducible and continue a memorised text, and its file carries the characters.
 */
public class TextTrainingTest {
    public static final String TEXT = "the quick brown fox jumps over the lazy dog. ".repeat(200);
    public static final int STREAMS = 4;
    public static final int WINDOW = 16;

    @TempDir
    Path dir;

    /** An LSTM (E 8, H 24, 2 layers) over the text's characters. */
    public static SequenceModel model(TextCorpus corpus, Kernels kernels) {
        return CharSampler.languageModel(corpus.vocabulary(), 8).cell(CellType.LSTM).hidden(24).layers(2).seed(3).kernels(kernels).build();
    }

    public static Trainer trainer(SequenceModel model) {
        return Trainer.builder(model).adamW(1e-2, 0.01).batchSize(STREAMS).truncatedBptt(WINDOW).maxNonFiniteInARow(5).build();
    }

    public static SequenceDataset training(TextCorpus corpus) {
        return SequenceDataset.languageModelStreams(Arrays.copyOf(corpus.tokens(), corpus.trainingLength()), corpus.vocabulary().size(),
                STREAMS);
    }

    static SequenceDataset validation(TextCorpus corpus) {
        int[] tail = Arrays.copyOfRange(corpus.tokens(), corpus.validationStart(), corpus.validationStart() + corpus.validationLength());
        return SequenceDataset.languageModelStreams(tail, corpus.vocabulary().size(), STREAMS);
    }

    @Test
    void learnsARepetitiveText() throws Exception {
        TextCorpus corpus = TextCorpus.of(TEXT, 0.1);
        try (SequenceModel model = model(corpus, KernelsForTests.nativeKernels()); Trainer trainer = trainer(model)) {
            double before = model.evaluate(validation(corpus)).bitsPerToken();
            assertEquals(Math.log(corpus.vocabulary().size()) / Math.log(2), before, 0.5, "an untrained model is close to uniform");
            trainer.fit(training(corpus), Budget.steps(300));
            double after = model.evaluate(validation(corpus)).bitsPerToken();
            assertTrue(after < 0.5 * before && after < 1.5, "validation bpc " + before + " -> " + after);
            try (CharSampler sampler = new CharSampler(model)) {
                String a = sampler.sample("the ", 60, 0.5, 7), b = sampler.sample("the ", 60, 0.5, 7);
                assertEquals(a, b, "same seed, same text");
                assertTrue(sampler.sample("the quick brown ", 4, 0, 1).endsWith("fox "), "greedy continuation of a memorised text");
            }
            Path file = dir.resolve("text.safetensors");
            trainer.checkpoint(file);
            try (SequenceModel loaded = SequenceModel.load(file); CharSampler sampler = new CharSampler(loaded);
                 CharSampler original = new CharSampler(model)) {
                assertEquals(corpus.vocabulary().characters(), loaded.spec().classNames(), "the file carries the characters");
                assertEquals(original.sample("the ", 80, 0.7, 3), sampler.sample("the ", 80, 0.7, 3));
            }
            byte[] bytes = Files.readAllBytes(file);
            Files.write(file, Arrays.copyOf(bytes, bytes.length - 10));
            assertThrows(ModelFileException.class, () -> SequenceModel.load(file));
        }
    }
}
