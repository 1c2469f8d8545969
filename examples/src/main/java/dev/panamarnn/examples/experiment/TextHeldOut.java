package dev.panamarnn.examples.experiment;

import dev.panamarnn.data.TextCorpus;

/**
 * The text experiment's split: the corpus's training part [0, validationStart) and a fixed slice at
 * the start of its held-out tail on which every model is scored, so one evaluation costs the same
 * at every point of every run.
 *
 * <p>{@link dev.panamarnn.model.TextTrainer#validationBitsPerCharacter} reads a slice of {@code n}
 * characters as B streams of n / B characters from zero state and scores windows of T characters
 * while a whole window and its next character fit. With n = B * (k*T + 1) every stream is exactly k
 * windows, and the scored characters are the k*T characters after the first of each stream:
 * {@link #scoredPositions()}. The unigram baseline is scored on the same positions.
 */
record TextHeldOut(TextCorpus corpus, int batch, int window, int windowsPerStream) {
    TextHeldOut {
        if (batch < 1 || window < 1 || windowsPerStream < 1) {
            throw new IllegalArgumentException("batch, window and windows per stream must be >= 1, got "
                    + batch + ", " + window + ", " + windowsPerStream);
        }
        long needed = (long) batch * ((long) windowsPerStream * window + 1);
        if (needed > corpus.validationLength()) {
            throw new IllegalArgumentException("the held-out tail has " + corpus.validationLength() + " characters; "
                    + batch + " streams of " + windowsPerStream + " windows of " + window + " need " + needed);
        }
    }

    /** Characters of the slice, n = B * (k*T + 1): what to pass to validationBitsPerCharacter. */
    int characters() {
        return batch * (windowsPerStream * window + 1);
    }

    /** Characters per stream of the slice, k*T + 1. */
    int streamLength() {
        return windowsPerStream * window + 1;
    }

    /** Token indices (into corpus.tokens()) of the B*k*T scored characters, stream by stream. */
    int[] scoredPositions() {
        int perStream = windowsPerStream * window;
        int[] positions = new int[batch * perStream];
        for (int r = 0; r < batch; r++) {
            int first = corpus.validationStart() + r * streamLength();
            for (int i = 0; i < perStream; i++) {
                positions[r * perStream + i] = first + 1 + i;   // the stream's first character is only read, never scored
            }
        }
        return positions;
    }

    /** First token index of the slice. */
    int start() {
        return corpus.validationStart();
    }

    /** One past the last token index of the slice. */
    int end() {
        return corpus.validationStart() + characters();
    }
}
