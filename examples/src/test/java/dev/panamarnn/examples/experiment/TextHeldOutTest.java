package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.Metrics;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import dev.panamarnn.model.TrainingListener;
import dev.panamarnn.model.TrainingStep;
import dev.panamarnn.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The held-out slice is disjoint from what training reads, and its scored positions are exactly the
 * characters the model's evaluation scores (checked through a model that predicts the unigram).
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

    /**
     * The slice starts where the training split ends, its streams read it in order, and the labels
     * of its streams are exactly the characters at {@link TextHeldOut#scoredPositions()}.
     */
    @Test
    void scoredPositionsAreTheLabelsOfTheSlicesStreams() {
        TextCorpus corpus = TextCorpus.of(randomText(20_000, "abcdefgh", 1), 0.05);
        TextHeldOut heldOut = new TextHeldOut(corpus, 4, 16, 3);
        int[] positions = heldOut.scoredPositions();
        assertEquals(4 * 3 * 16, positions.length);
        assertEquals(4 * 3 * 16 + 1, heldOut.characters());
        assertEquals(corpus.trainingLength(), heldOut.start(), "the slice starts where the training split ends");
        assertEquals(heldOut.start() + heldOut.characters(), heldOut.end());
        assertTrue(heldOut.end() <= corpus.tokens().length);
        for (int i = 0; i < positions.length; i++) {
            assertEquals(heldOut.start() + 1 + i, positions[i], "scored position " + i);
        }
        int[] tokens = corpus.tokens();
        SequenceDataset streams = heldOut.dataset();
        assertEquals(4, streams.size(), "one stream per batch row");
        int[] read = new int[0], labels = new int[0];
        for (int r = 0; r < streams.size(); r++) {
            assertEquals(3 * 16, streams.length(r), "stream " + r + " is k*T characters");
            read = concat(read, streams.tokenIds(r));
            labels = concat(labels, streams.stepLabels(r));
        }
        assertArrayEquals(Arrays.copyOfRange(tokens, heldOut.start(), heldOut.end() - 1), read,
                "the streams read the slice but its last character, in order");
        assertArrayEquals(Arrays.stream(positions).map(i -> tokens[i]).toArray(), labels,
                "the streams' labels are the characters at the scored positions");
        assertThrows(IllegalArgumentException.class, () -> new TextHeldOut(corpus, 64, 64, 16),
                "a slice longer than the held-out tail is refused");
    }

    private static int[] concat(int[] a, int[] b) {
        int[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /**
     * Training text over {a, b, c}, held-out text over {x, y}. The head's bias makes x and y cost
     * about 1000 nats each, so one held-out character read as a target would lift a window's mean
     * loss far above log 5; one read as an input would give its embedding row a gradient. Over more
     * than two passes of the training streams (the Trainer starts a new epoch after the last window)
     * neither happens.
     */
    @Test
    void trainingNeverReadsAHeldOutCharacter() {
        String text = randomText(900, "abc", 2) + randomText(100, "xy", 3);
        TextCorpus corpus = TextCorpus.of(text, 0.1);
        assertEquals(900, corpus.trainingLength());
        int a = corpus.vocabulary().id('a'), x = corpus.vocabulary().id('x'), y = corpus.vocabulary().id('y');
        int batch = 3, window = 7, embedding = 4;
        SequenceDataset train = new TextHeldOut(corpus, batch, window, 1).training();
        int windowsPerEpoch = (train.maxLength() + window - 1) / window;
        try (SequenceModel model = CharSampler.languageModel(corpus.vocabulary(), embedding).cell(CellType.GRU).hidden(6).layers(1)
                .seed(5).kernels(KernelSelection.selected()).build()) {
            Tensor bias = model.parameters().get("head.bias");                // (V)
            bias.set(x, -1000f);
            bias.set(y, -1000f);
            Tensor dEmbedding = model.gradients().get("embedding.weight");   // (V, E) the gradients of the step just taken
            double[] inputGradient = new double[1];
            int[] lastEpoch = new int[1];
            TrainingListener check = new TrainingListener() {
                @Override
                public void onStep(TrainingStep step, int epoch) {
                    long s = step.step();
                    assertTrue(step.loss() < Math.log(5) + 1, "step " + s + ": loss " + step.loss() + " — a held-out target was read");
                    for (int e = 0; e < embedding; e++) {
                        assertEquals(0f, dEmbedding.get(x, e), "step " + s + ": 'x' was read as an input");
                        assertEquals(0f, dEmbedding.get(y, e), "step " + s + ": 'y' was read as an input");
                        inputGradient[0] += Math.abs(dEmbedding.get(a, e));
                    }
                    lastEpoch[0] = epoch;
                }
            };
            try (Trainer trainer = Trainer.builder(model).sgd(1e-9, 0).batchSize(batch).truncatedBptt(window).seed(5)
                    .listener(check).build()) {
                trainer.fit(train, Budget.steps(2L * windowsPerEpoch + 5));
                assertEquals(2L * windowsPerEpoch + 5, trainer.step());
            }
            assertEquals(2, lastEpoch[0], "the steps went through two whole epochs into a third");
            assertTrue(inputGradient[0] > 0, "the training characters do get embedding gradients (the check can fail)");
        }
    }

    /**
     * A model whose head ignores its input (weights 0) and whose bias is log p(unigram) predicts the
     * unigram everywhere, so its held-out bits per character must equal the unigram's on
     * {@link TextHeldOut#scoredPositions()} — only if those are the characters the evaluation scores.
     * The character just before the scored positions and the one just after them is a 'z', which the
     * training split never shows (about 12.6 bits each), so scoring either of them shows.
     */
    @Test
    void scoredPositionsAreTheCharactersTheEvaluationScores() {
        int batch = 4, window = 8, windows = 5, slice = batch * windows * window + 1;
        char[] tail = randomText(2_000, "gfedcba", 5).toCharArray();
        tail[0] = 'z';         // the slice's first character: read, never scored
        tail[slice] = 'z';     // the first character after the slice
        TextCorpus corpus = TextCorpus.of(randomText(6_000, "abcdefg", 4) + new String(tail), 0.25);
        assertEquals(6_000, corpus.trainingLength());
        int v = corpus.vocabulary().size();
        TextHeldOut heldOut = new TextHeldOut(corpus, batch, window, windows);
        assertEquals(slice, heldOut.characters());
        double[] p = TextMetrics.unigram(corpus.tokens(), 0, corpus.trainingLength(), v);
        int z = corpus.vocabulary().id('z');
        assertEquals(z, corpus.tokens()[heldOut.start()], "a 'z' opens the slice");
        assertEquals(z, corpus.tokens()[heldOut.end()], "a 'z' follows the slice");
        assertTrue(-Math.log(p[z]) / Math.log(2) > 12, "'z' costs the unigram over 12 bits: one scored 'z' moves the mean by > 0.05");
        double expected = TextMetrics.unigramBitsPerCharacter(p, corpus.tokens(), heldOut.scoredPositions());
        try (SequenceModel model = CharSampler.languageModel(corpus.vocabulary(), 3).cell(CellType.LSTM).hidden(5).layers(1).seed(6)
                .kernels(KernelSelection.selected()).build()) {
            model.parameters().zero();
            Tensor bias = model.parameters().get("head.bias");   // (V): logits = log p whatever the state
            for (int c = 0; c < v; c++) {
                bias.set(c, (float) Math.log(p[c]));
            }
            Metrics metrics = model.evaluate(heldOut.dataset());
            assertEquals(heldOut.scoredPositions().length, metrics.rows(), "characters scored");
            assertEquals(expected, metrics.bitsPerToken(), 1e-4);
        }
    }
}
