package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.CharModel;
import dev.panamarnn.model.TextTrainer;
import dev.panamarnn.model.TrainingStep;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.Sgd;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The held-out slice is disjoint from what training reads, and its scored positions are exactly the
 * characters the library's trainer scores (checked through a model that predicts the unigram).
 */
class TextHeldOutTest {
    /** Characters drawn with unequal frequencies, seeded. */
    private static String randomText(int length, String alphabet, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            double u = random.nextDouble();
            text.append(alphabet.charAt((int) (alphabet.length() * u * u)));   // skewed towards the first characters
        }
        return text.toString();
    }

    @Test
    void scoredPositionsLieInTheHeldOutSliceAfterTheTrainingSplit() {
        TextCorpus corpus = TextCorpus.of(randomText(20_000, "abcdefgh", 1), 0.05);
        TextHeldOut heldOut = new TextHeldOut(corpus, 4, 16, 3);
        int[] positions = heldOut.scoredPositions();
        assertEquals(4 * 3 * 16, positions.length);
        assertEquals(4 * (3 * 16 + 1), heldOut.characters());
        assertEquals(corpus.trainingLength(), heldOut.start(), "the slice starts where the training split ends");
        for (int i = 0; i < positions.length; i++) {
            assertTrue(positions[i] >= corpus.trainingLength() && positions[i] < heldOut.end(),
                    "position " + positions[i] + " outside [" + corpus.trainingLength() + ", " + heldOut.end() + ")");
            assertTrue(i == 0 || positions[i] > positions[i - 1], "positions increase");
        }
        assertThrows(IllegalArgumentException.class, () -> new TextHeldOut(corpus, 64, 64, 16),
                "a slice longer than the held-out tail is refused");
    }

    /**
     * Training text over {a, b, c}, held-out text over {x, y}. The head's bias makes x and y cost
     * about 1000 nats each, so one held-out character read as a target would lift a step's mean loss
     * far above log 5; one read as an input would give its embedding row a gradient. Over two full
     * passes of the streams (the trainer wraps around) neither happens.
     */
    @Test
    void trainingNeverReadsAHeldOutCharacter() {
        String text = randomText(900, "abc", 2) + randomText(100, "xy", 3);
        TextCorpus corpus = TextCorpus.of(text, 0.1);
        assertEquals(900, corpus.trainingLength());
        int x = corpus.vocabulary().id('x'), y = corpus.vocabulary().id('y');
        int batch = 3, window = 7, embedding = 4;
        Kernels kernels = KernelSelection.selected();
        try (CharModel model = new CharModel(new CharModel.Config(CellType.GRU, embedding, 6, 1, 0.0, 5), corpus.vocabulary(), kernels);
             Sgd sgd = new Sgd(kernels, model.parameters(), model.gradients(), 1e-9);
             TextTrainer trainer = new TextTrainer(model, corpus, new TextTrainer.Settings(batch, window, 0, 0), sgd)) {
            Tensor bias = model.parameters().get("head.bias");                // (V)
            bias.set(x, -1000f);
            bias.set(y, -1000f);
            Tensor dEmbedding = model.gradients().get("embedding.weight");   // (V, E)
            int steps = 2 * (900 / batch) / window + 5;
            double inputGradient = 0;
            for (int s = 0; s < steps; s++) {
                TrainingStep step = trainer.trainStep();
                assertTrue(step.loss() < Math.log(5) + 1, "step " + s + ": loss " + step.loss() + " — a held-out target was read");
                for (int e = 0; e < embedding; e++) {
                    assertEquals(0f, dEmbedding.get(x, e), "step " + s + ": 'x' was read as an input");
                    assertEquals(0f, dEmbedding.get(y, e), "step " + s + ": 'y' was read as an input");
                    inputGradient += Math.abs(dEmbedding.get(corpus.vocabulary().id('a'), e));
                }
            }
            assertTrue(inputGradient > 0, "the training characters do get embedding gradients (the check can fail)");
        }
    }

    /**
     * A model whose head ignores its input (weights 0) and whose bias is log p(unigram) predicts the
     * unigram everywhere, so the trainer's held-out bits per character must equal the unigram's on
     * {@link TextHeldOut#scoredPositions()} — only if those are the characters the trainer scores.
     */
    @Test
    void scoredPositionsAreTheCharactersTheTrainerScores() {
        TextCorpus corpus = TextCorpus.of(randomText(6_000, "abcdefg", 4) + randomText(2_000, "gfedcba", 5), 0.25);
        int v = corpus.vocabulary().size(), batch = 4, window = 8;
        TextHeldOut heldOut = new TextHeldOut(corpus, batch, window, 5);
        double[] p = TextMetrics.unigram(corpus.tokens(), 0, corpus.trainingLength(), v);
        double expected = TextMetrics.unigramBitsPerCharacter(p, corpus.tokens(), heldOut.scoredPositions());
        int[] shifted = Arrays.stream(heldOut.scoredPositions()).map(i -> i - 1).toArray();
        double offByOne = TextMetrics.unigramBitsPerCharacter(p, corpus.tokens(), shifted);
        assertTrue(Math.abs(offByOne - expected) > 1e-3, "the text must tell a shifted slice apart: " + offByOne + " vs " + expected);
        Kernels kernels = KernelSelection.selected();
        try (CharModel model = new CharModel(new CharModel.Config(CellType.LSTM, 3, 5, 1, 0.0, 6), corpus.vocabulary(), kernels);
             Sgd sgd = new Sgd(kernels, model.parameters(), model.gradients(), 0.1);
             TextTrainer trainer = new TextTrainer(model, corpus, new TextTrainer.Settings(batch, window, 0, 0), sgd)) {
            model.parameters().zero();
            Tensor bias = model.parameters().get("head.bias");   // (V): logits = log p whatever the state
            for (int c = 0; c < v; c++) {
                bias.set(c, (float) Math.log(p[c]));
            }
            assertEquals(expected, trainer.validationBitsPerCharacter(heldOut.characters()), 1e-4);
        }
    }
}
