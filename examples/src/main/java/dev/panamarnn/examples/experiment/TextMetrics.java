package dev.panamarnn.examples.experiment;

/**
 * Bits per character, the text experiment's yardstick: the mean over the scored characters of
 * -log2 p(actual next character). A model that spreads its bets evenly over V characters scores
 * log2 V; one that is certain and right scores 0. Also the unigram baseline: every character
 * predicted with its frequency in the training split, whatever came before.
 */
final class TextMetrics {
    private static final double LN2 = Math.log(2);

    private TextMetrics() {}

    /** A cross-entropy in nats (as the trainer's softmax cross-entropy returns it) in bits. */
    static double bits(double nats) {
        return nats / LN2;
    }

    /**
     * Mean -log2 predicted[n][targets[n]] over the N rows.
     * @param predicted (N, V) probabilities, each row summing to 1
     * @param targets   (N) ids in [0, V)
     */
    static double bitsPerCharacter(double[][] predicted, int[] targets) {
        if (predicted.length != targets.length || targets.length == 0) {
            throw new IllegalArgumentException("need as many prediction rows as targets (at least one); got "
                    + predicted.length + " rows and " + targets.length + " targets");
        }
        double sum = 0;
        for (int n = 0; n < targets.length; n++) {
            sum -= Math.log(predicted[n][targets[n]]);
        }
        return bits(sum / targets.length);
    }

    /**
     * Character frequencies of tokens[from, to) with add-one (Laplace) smoothing over the V ids:
     * p(c) = (count(c) + 1) / (n + V), so a character the training split never shows costs finite bits.
     */
    static double[] unigram(int[] tokens, int from, int to, int vocabulary) {
        if (from < 0 || to > tokens.length || from >= to || vocabulary < 1) {
            throw new IllegalArgumentException("need 0 <= from < to <= " + tokens.length + " and V >= 1; got ["
                    + from + ", " + to + ") and V = " + vocabulary);
        }
        double[] p = new double[vocabulary];
        for (int i = from; i < to; i++) {
            p[tokens[i]]++;
        }
        double total = (to - from) + vocabulary;
        for (int c = 0; c < vocabulary; c++) {
            p[c] = (p[c] + 1) / total;
        }
        return p;
    }

    /** Entropy -sum p log2 p of a distribution, in bits. */
    static double entropyBits(double[] p) {
        double h = 0;
        for (double q : p) {
            if (q > 0) {
                h -= q * Math.log(q);
            }
        }
        return bits(h);
    }

    /** Bits per character of the fixed distribution {@code p} on the characters tokens[i] for i in {@code positions}. */
    static double unigramBitsPerCharacter(double[] p, int[] tokens, int[] positions) {
        double[][] rows = new double[positions.length][];
        int[] targets = new int[positions.length];
        for (int n = 0; n < positions.length; n++) {
            rows[n] = p;                     // the same prediction for every position: no context
            targets[n] = tokens[positions[n]];
        }
        return bitsPerCharacter(rows, targets);
    }
}
