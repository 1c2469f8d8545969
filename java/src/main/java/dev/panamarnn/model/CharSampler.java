package dev.panamarnn.model;

import dev.panamarnn.TruncatedBptt;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Generates text from a {@link CharModel} one character at a time: the state is carried from
 * step to step, the next character is drawn from softmax(logits / temperature) with a seeded
 * random source (temperature 0 picks the most likely character).
 */
public final class CharSampler implements AutoCloseable {
    private final CharModel model;
    private final TruncatedBptt stream;     // T = 1, B = 1: one character per step
    private final Arena arena;
    private final Tensor embedded;          // (1, 1, E)
    private final MemorySegment logits;     // (1, V)
    private final int[] token = new int[1];
    private final double[] probabilities;

    public CharSampler(CharModel model) {
        if (model == null) {
            throw new IllegalArgumentException("model is required");
        }
        this.model = model;
        this.stream = new TruncatedBptt(model.rnn(), 1, 1, 1);   // throws when the model is closed
        this.arena = Arena.ofConfined();
        this.embedded = Tensor.allocate(arena, 1, 1, model.config().embedding());
        this.logits = arena.allocate((long) model.vocabulary().size() * Float.BYTES, 64);
        this.probabilities = new double[model.vocabulary().size()];
    }

    /**
     * {@code prime} (at least one character of the vocabulary; characters outside it are an
     * IllegalArgumentException) followed by {@code length} generated characters.
     */
    public String sample(String prime, int length, double temperature, long seed) {
        if (prime == null || prime.isEmpty()) {
            throw new IllegalArgumentException("the prime text must have at least one character");
        }
        if (!(temperature >= 0) || length < 0) {
            throw new IllegalArgumentException("need temperature >= 0 and length >= 0, got " + temperature + " and " + length);
        }
        int[] ids = model.vocabulary().encode(prime);
        stream.resetState();
        for (int i = 0; i < ids.length - 1; i++) {
            feed(ids[i]);
        }
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder text = new StringBuilder(prime);
        int next = ids[ids.length - 1];
        for (int i = 0; i < length; i++) {
            feed(next);
            next = draw(temperature, random);
            text.appendCodePoint(model.vocabulary().codePoint(next));
        }
        return text.toString();
    }

    private void feed(int id) {
        token[0] = id;
        model.embedding().forward(embedded.segment(), token, 0, 1);
        Tensor hidden = stream.forward(embedded, false);
        model.head().forward(logits, hidden.segment(), 1);
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
        stream.close();
        arena.close();
    }
}
