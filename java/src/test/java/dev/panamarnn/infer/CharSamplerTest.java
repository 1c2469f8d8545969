package dev.panamarnn.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.TruncatedBptt;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.TextTrainingTest;
import dev.panamarnn.model.Trainer;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CharSampler serves the model through the streaming path; its text for a fixed seed is the text of
 * the training path (TruncatedBptt with T = 1, B = 1, the sampler's former implementation, kept
 * here as the reference) — greedy and at several temperatures, after some training.
 */
class CharSamplerTest {

    @ParameterizedTest
    @ValueSource(strings = {"java", "native"})
    void samplesEqualTheTrainingPathsSamples(String kernelName) {
        Kernels kernels = kernelName.equals("native") ? KernelsForTests.nativeKernels() : KernelsForTests.java();
        TextCorpus corpus = TextCorpus.of(TextTrainingTest.TEXT, 0.1);
        try (SequenceModel model = TextTrainingTest.model(corpus, kernels); Trainer trainer = TextTrainingTest.trainer(model)) {
            trainer.fit(TextTrainingTest.training(corpus), Budget.steps(60));
            try (CharSampler sampler = new CharSampler(model); Reference reference = new Reference(model, corpus)) {
                for (double temperature : new double[] {0, 0.5, 1.0, 1.5}) {
                    for (long seed = 1; seed <= 4; seed++) {
                        assertEquals(reference.sample("the ", 150, temperature, seed), sampler.sample("the ", 150, temperature, seed),
                                "temperature " + temperature + ", seed " + seed);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, 0.8, 2})
    void theStreamedCharactersAreTheSample(double temperature) {
        TextCorpus corpus = TextCorpus.of(TextTrainingTest.TEXT, 0.1);
        try (SequenceModel model = TextTrainingTest.model(corpus, KernelsForTests.java()); CharSampler sampler = new CharSampler(model)) {
            StringBuilder streamed = new StringBuilder("the ");
            sampler.sample("the ", 300, temperature, 7, streamed::appendCodePoint);
            assertEquals(sampler.sample("the ", 300, temperature, 7), streamed.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT8", "BF16"})
    void aReducedPrecisionSamplerDrawsFromThatPrecisionsLogits(String name) {
        Precision precision = Precision.valueOf(name);
        TextCorpus corpus = TextCorpus.of(TextTrainingTest.TEXT, 0.1);
        try (SequenceModel model = TextTrainingTest.model(corpus, KernelsForTests.nativeKernels()); Trainer trainer = TextTrainingTest.trainer(model)) {
            trainer.fit(TextTrainingTest.training(corpus), Budget.steps(60));
            try (CharSampler sampler = new CharSampler(model, precision); Reference reduced = new Reference(model, corpus, precision);
                 Reference float32 = new Reference(model, corpus)) {
                int differ = 0;
                for (double temperature : new double[] {0, 1.0, 1.5}) {
                    for (long seed = 1; seed <= 4; seed++) {
                        String text = sampler.sample("the ", 150, temperature, seed);
                        assertEquals(reduced.sample("the ", 150, temperature, seed), text, "temperature " + temperature + ", seed " + seed);
                        differ += text.equals(float32.sample("the ", 150, temperature, seed)) ? 0 : 1;
                    }
                }
                assertTrue(differ > 0, "the " + name + " sampler's texts all equal float32's: its weights were not converted");
            }
        }
    }

    /**
     * The sampler's former implementation: embedding, TruncatedBptt (T = 1, B = 1), head, the same
     * draw; or, for a reduced precision, the logits of a stream of InferenceModel.of(model, precision).
     */
    private static final class Reference implements AutoCloseable {
        private final SequenceModel model;
        private final dev.panamarnn.data.CharVocabulary vocabulary;
        private final TruncatedBptt stream;
        private final Arena arena = Arena.ofConfined();
        private final Tensor embedded;          // (1, 1, E)
        private final MemorySegment logits;     // (1, V)
        private final double[] probabilities;
        private final InferenceModel reduced;   // null: the training path
        private final StreamState reducedStream;
        private final float[] reducedLogits;    // (V)

        Reference(SequenceModel model, TextCorpus corpus) {
            this(model, corpus, null);
        }

        Reference(SequenceModel model, TextCorpus corpus, Precision precision) {
            this.reduced = precision == null ? null : InferenceModel.of(model, precision);
            this.reducedStream = reduced == null ? null : reduced.newStream();
            this.reducedLogits = new float[corpus.vocabulary().size()];
            this.model = model;
            this.vocabulary = corpus.vocabulary();
            this.stream = new TruncatedBptt(model.rnn(), 1, 1, 1);
            this.embedded = Tensor.allocate(arena, 1, 1, model.spec().embeddingDim());
            this.logits = arena.allocate((long) vocabulary.size() * Float.BYTES, 64);
            this.probabilities = new double[vocabulary.size()];
        }

        String sample(String prime, int length, double temperature, long seed) {
            int[] ids = vocabulary.encode(prime);
            stream.resetState();
            if (reducedStream != null) {
                reducedStream.reset();
            }
            for (int i = 0; i < ids.length - 1; i++) {
                feed(ids[i]);
            }
            SplittableRandom random = new SplittableRandom(seed);
            StringBuilder text = new StringBuilder(prime);
            int next = ids[ids.length - 1];
            for (int i = 0; i < length; i++) {
                feed(next);
                next = draw(temperature, random);
                text.appendCodePoint(vocabulary.codePoint(next));
            }
            return text.toString();
        }

        private void feed(int id) {
            if (reducedStream != null) {
                reducedStream.step(id, reducedLogits);
                MemorySegment.copy(reducedLogits, 0, logits, ValueLayout.JAVA_FLOAT, 0, reducedLogits.length);
                return;
            }
            model.embedding().forward(embedded.segment(), new int[] {id}, 0, 1);
            Tensor hidden = stream.forward(embedded, false);
            model.head().forward(logits, MemorySegment.NULL, hidden.segment(), 1);
        }

        private int draw(double temperature, SplittableRandom random) {
            int v = probabilities.length, best = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < v; i++) {
                double l = logits.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                if (l > max) {
                    max = l;
                    best = i;
                }
            }
            if (temperature == 0) {
                return best;
            }
            double sum = 0;
            for (int i = 0; i < v; i++) {
                probabilities[i] = Math.exp((logits.getAtIndex(ValueLayout.JAVA_FLOAT, i) - max) / temperature);
                sum += probabilities[i];
            }
            double u = random.nextDouble() * sum;
            for (int i = 0; i < v; i++) {
                u -= probabilities[i];
                if (u <= 0) {
                    return i;
                }
            }
            return best;
        }

        @Override
        public void close() {
            if (reduced != null) {
                reducedStream.close();
                reduced.close();
            }
            stream.close();
            arena.close();
        }
    }
}
