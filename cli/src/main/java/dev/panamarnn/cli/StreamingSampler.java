package dev.panamarnn.cli;

import dev.panamarnn.data.CharVocabulary;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.model.SequenceModel;
import java.io.IOException;
import java.io.Writer;
import java.util.SplittableRandom;

/**
 * {@link CharSampler#sample}'s text written as it is generated, for {@code rnn sample}: a long
 * sample shows from its first character instead of after all of them. The same steps and draws as
 * CharSampler (the same text for the same seed; a test holds them together), through the
 * library's public streaming API. CharSampler is made first only to check the model is a
 * character-level language model.
 *
 * <p>Not here: the library's own streaming sample (a CharSampler method taking a consumer of
 * code points), which would make this class unnecessary.
 */
final class StreamingSampler implements AutoCloseable {
    /** Characters between flushes: a terminal sees text within a moment, a pipe is not flushed per character. */
    private static final int FLUSH_EVERY = 64;

    private final CharVocabulary vocabulary;
    private final InferenceModel inference;
    private final StreamState stream;
    private final float[] logits;           // (V) the next character's logits
    private final double[] probabilities;   // (V) exp((logit - max) / temperature)

    StreamingSampler(SequenceModel model) {
        new CharSampler(model).close();     // its checks: a language model whose class names are its characters
        this.vocabulary = CharVocabulary.deserialise(String.join("", model.spec().classNames()));
        this.inference = InferenceModel.of(model);
        try {
            this.stream = inference.newStream();
        } catch (RuntimeException | Error e) {
            inference.close();
            throw e;
        }
        this.logits = new float[vocabulary.size()];
        this.probabilities = new double[vocabulary.size()];
    }

    /** Writes {@code prime} and then {@code length} generated characters to {@code out}, flushing as it goes. */
    void sample(String prime, int length, double temperature, long seed, Writer out) throws IOException {
        if (prime == null || prime.isEmpty()) {
            throw new IllegalArgumentException("the prime text must have at least one character");
        }
        if (!(temperature >= 0) || length < 0) {
            throw new IllegalArgumentException("need temperature >= 0 and length >= 0, got " + temperature + " and " + length);
        }
        int[] ids = vocabulary.encode(prime);
        stream.reset();
        for (int i = 0; i < ids.length - 1; i++) {
            stream.step(ids[i], logits);
        }
        out.write(prime);
        out.flush();
        SplittableRandom random = new SplittableRandom(seed);
        int next = ids[ids.length - 1];
        for (int i = 0; i < length; i++) {
            stream.step(next, logits);
            next = draw(temperature, random);
            out.write(Character.toString(vocabulary.codePoint(next)));
            if ((i + 1) % FLUSH_EVERY == 0) {
                out.flush();
            }
        }
        out.flush();
    }

    /** Softmax(logits / temperature) drawn with {@code random}; temperature 0 is the most likely character. */
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
