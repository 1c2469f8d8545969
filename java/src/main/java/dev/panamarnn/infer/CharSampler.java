package dev.panamarnn.infer;

import dev.panamarnn.data.CharVocabulary;
import dev.panamarnn.model.ModelSpec;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Task;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Generates text from a character-level language model (a {@link SequenceModel} over token ids
 * whose class names are its characters, {@link #languageModel}) one character at a time: a client of the streaming path
 * ({@link InferenceModel}, one {@link StreamState}), which carries the state from step to step and
 * gives the next character's logits; the next character is drawn from softmax(logits / temperature)
 * with a seeded random source (temperature 0 picks the most likely character).
 *
 * <p>The sampler copies the model's parameters when it is made: training the model afterwards does
 * not change its samples (make a new sampler).
 */
public final class CharSampler implements AutoCloseable {
    private final CharVocabulary vocabulary;
    private final InferenceModel inference;
    private final StreamState stream;
    private final float[] logits;           // (V) the next character's logits
    private final double[] probabilities;   // (V) exp((logit - max) / temperature)

    /**
     * A sampler of {@code model}, a language model whose class names are its vocabulary's
     * characters in id order (one code point each, sorted, as {@link CharVocabulary} numbers them).
     * @throws IllegalArgumentException if it is not such a model
     */
    public CharSampler(SequenceModel model) {
        this(model, Precision.FLOAT32);
    }

    /**
     * A sampler whose recurrent weights are in the given precision
     * ({@link InferenceModel#of(SequenceModel, Precision)}; the embedding and head stay float32).
     * @throws IllegalArgumentException if it is not such a model, or the precision is refused for it
     */
    public CharSampler(SequenceModel model, Precision precision) {
        if (model == null) {
            throw new IllegalArgumentException("model is required");
        }
        this.vocabulary = vocabulary(model.spec());
        this.inference = InferenceModel.of(model, precision);                    // throws when the model is closed
        try {
            this.stream = inference.newStream();
        } catch (RuntimeException | Error e) {
            inference.close();
            throw e;
        }
        this.logits = new float[vocabulary.size()];
        this.probabilities = new double[vocabulary.size()];
    }

    /**
     * The builder of a character-level language model over {@code vocabulary}: token ids through
     * an embedding of width {@code embedding}, next-character prediction at every step, the
     * characters as class names (so the model file holds its vocabulary); choose the stack on it.
     */
    public static SequenceModel.Builder languageModel(CharVocabulary vocabulary, int embedding) {
        return SequenceModel.builder().tokens(vocabulary.size(), embedding).languageModel().classNames(vocabulary.characters());
    }

    /** The characters a language model's class names spell, or an IllegalArgumentException saying why it has none. */
    static CharVocabulary vocabulary(ModelSpec spec) {
        List<String> names = spec.classNames();
        if (spec.task() != Task.LANGUAGE_MODEL || !spec.tokens()) {
            throw new IllegalArgumentException("not a character language model: it is a " + spec.task().id() + " model of "
                    + (spec.tokens() ? spec.vocabulary() + " tokens" : spec.features() + " feature(s)") + " (" + spec + ")");
        }
        if (names.size() != spec.vocabulary()) {
            throw new IllegalArgumentException("not a character language model: its " + spec.vocabulary() + " tokens have "
                    + names.size() + " class names, where a character model names each token with its character");
        }
        StringBuilder characters = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).codePointCount(0, names.get(i).length()) != 1) {
                throw new IllegalArgumentException("not a character language model: class name " + i + " is not one character ("
                        + names.get(i).length() + " chars)");
            }
            characters.append(names.get(i));
        }
        try {
            return CharVocabulary.deserialise(characters.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("its characters (class names) are not a vocabulary: " + e.getMessage(), e);
        }
    }

    /**
     * {@code prime} (at least one character of the vocabulary; characters outside it are an
     * IllegalArgumentException) followed by {@code length} generated characters.
     */
    public String sample(String prime, int length, double temperature, long seed) {
        StringBuilder text = new StringBuilder(prime == null ? "" : prime);
        sample(prime, length, temperature, seed, text::appendCodePoint);
        return text.toString();
    }

    /**
     * The same {@code length} characters, each handed to {@code generated} (as a code point) as soon
     * as it is drawn, so a long sample can be written out while it is made; the prime is not passed on.
     */
    public void sample(String prime, int length, double temperature, long seed, IntConsumer generated) {
        if (prime == null || prime.isEmpty()) {
            throw new IllegalArgumentException("the prime text must have at least one character");
        }
        if (!(temperature >= 0) || length < 0) {
            throw new IllegalArgumentException("need temperature >= 0 and length >= 0, got " + temperature + " and " + length);
        }
        if (generated == null) {
            throw new IllegalArgumentException("the consumer of the generated characters is null");
        }
        int[] ids = vocabulary.encode(prime);
        stream.reset();
        for (int i = 0; i < ids.length - 1; i++) {
            stream.step(ids[i], logits);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int next = ids[ids.length - 1];
        for (int i = 0; i < length; i++) {
            stream.step(next, logits);
            next = draw(temperature, random);
            generated.accept(vocabulary.codePoint(next));
        }
    }

    private int draw(double temperature, SplittableRandom random) {
        int v = probabilities.length, best = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            if (logits[i] > max) {
                max = logits[i];
                best = i;
            }
        }
        if (temperature == 0) {
            return best;
        }
        double sum = 0;
        for (int i = 0; i < v; i++) {
            probabilities[i] = Math.exp((logits[i] - max) / temperature);
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
        stream.close();
        inference.close();
    }
}
