package dev.panamarnn.examples.experiment;

import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.data.TextCorpus;
import java.util.Arrays;

/**
 * The text experiment's split: the corpus's training part [0, validationStart), read as the B
 * streams every cell trains on, and a fixed slice at the start of its held-out tail on which every
 * model is scored, so one evaluation costs the same at every point of every run.
 *
 * <p>The slice is n = B*k*T + 1 characters from validationStart, read by
 * {@link SequenceDataset#languageModelStreams} as B streams of L = k*T characters: stream r reads
 * slice[r*L, (r+1)*L) from zero state and is scored on the next character at each of its L steps,
 * so the scored characters are validationStart+1 .. validationStart+B*k*T, one after the other:
 * {@link #scoredPositions()}. The unigram baseline is scored on the same positions.
 */
record TextHeldOut(TextCorpus corpus, int batch, int window, int windowsPerStream) {
    TextHeldOut {
        if (batch < 1 || window < 1 || windowsPerStream < 1) {
            throw new IllegalArgumentException("batch, window and windows per stream must be >= 1, got "
                    + batch + ", " + window + ", " + windowsPerStream);
        }
        long needed = (long) batch * windowsPerStream * window + 1;
        if (needed > corpus.validationLength()) {
            throw new IllegalArgumentException("the held-out tail has " + corpus.validationLength() + " characters; "
                    + batch + " streams of " + windowsPerStream + " windows of " + window + " need " + needed);
        }
        if (corpus.trainingLength() / batch < window + 1) {
            throw new IllegalArgumentException("the training split (" + corpus.trainingLength() + " characters) is too short for "
                    + batch + " streams of windows of " + window + " characters; use a smaller --batch or --seq-len");
        }
    }

    /** The training split [0, validationStart) read as B streams (labels: the next character): what every cell trains on. */
    SequenceDataset training() {
        return SequenceDataset.languageModelStreams(Arrays.copyOf(corpus.tokens(), corpus.trainingLength()),
                corpus.vocabulary().size(), batch);
    }

    /** The slice read as B streams of k*T characters: what the models are scored on. */
    SequenceDataset dataset() {
        return SequenceDataset.languageModelStreams(Arrays.copyOfRange(corpus.tokens(), start(), end()),
                corpus.vocabulary().size(), batch);
    }

    /** Characters of the slice, n = B*k*T + 1 (the last one is only ever a target). */
    int characters() {
        return batch * streamLength() + 1;
    }

    /** Characters each stream of the slice reads, L = k*T. */
    int streamLength() {
        return windowsPerStream * window;
    }

    /** Token indices (into corpus.tokens()) of the B*k*T scored characters: start()+1 .. start()+B*k*T. */
    int[] scoredPositions() {
        int[] positions = new int[batch * streamLength()];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = start() + 1 + i;   // the slice's first character is only read, never scored
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
