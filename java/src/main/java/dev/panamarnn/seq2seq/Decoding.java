package dev.panamarnn.seq2seq;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Greedy decoding and beam search over a {@link StepModel}.
 *
 * <p>Beam search keeps the k best unfinished prefixes by total log-probability. At each step it
 * ranks every one-token extension of the live prefixes; an extension that is the end token is
 * finished when it ranks among the first k (fairseq's rule), the others fill the k live rows. It
 * stops when k hypotheses have finished, no prefix is live, or after {@code maxLength} tokens (then
 * the live prefixes count as finished). The result is the finished hypothesis with the best
 * length-normalised score {@code logProb / length^alpha}, length counting the end token (alpha 0:
 * the plain log-probability; alpha 1: the mean per token). With k = 1 it is greedy decoding.
 */
public final class Decoding {
    private Decoding() {}

    /** The most probable token at each step until the end token or {@code maxLength} tokens. */
    public static Translation greedy(StepModel model, int bos, int eos, int maxLength) {
        check(model, maxLength);
        int rows = model.rows(), vocab = model.vocab();
        int[] parents = identity(rows), tokens = new int[rows];
        float[] logProbs = new float[rows * vocab];
        Arrays.fill(tokens, bos);
        model.reset();
        int[] out = new int[maxLength];
        int n = 0;
        double logProb = 0;
        boolean ended = false;
        while (n < maxLength) {
            model.step(parents, tokens, logProbs);
            int best = 0;
            for (int v = 1; v < vocab; v++) {
                if (logProbs[v] > logProbs[best]) {
                    best = v;
                }
            }
            logProb += logProbs[best];
            if (best == eos) {
                ended = true;
                break;
            }
            out[n++] = best;
            Arrays.fill(tokens, best);
        }
        return new Translation(Arrays.copyOf(out, n), ended, logProb, logProb, null);
    }

    /** Beam search of width {@code model.rows()} with length normalisation {@code alpha} (class comment). */
    public static Translation beam(StepModel model, int bos, int eos, int maxLength, double alpha) {
        check(model, maxLength);
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("alpha must be finite and >= 0, got " + alpha);
        }
        int k = model.rows(), vocab = model.vocab();
        int[] parents = identity(k), tokens = new int[k];
        float[] logProbs = new float[k * vocab];
        Arrays.fill(tokens, bos);
        model.reset();
        List<int[]> live = new ArrayList<>(List.of(new int[0]));   // prefixes, row i of the model = live.get(i)
        double[] liveScores = {0};
        List<Translation> finished = new ArrayList<>();
        for (int step = 0; step < maxLength && !live.isEmpty() && finished.size() < k; step++) {
            model.step(parents, tokens, logProbs);
            int candidates = live.size() * vocab;
            Integer[] order = new Integer[candidates];
            double[] total = new double[candidates];
            for (int i = 0; i < live.size(); i++) {
                for (int v = 0; v < vocab; v++) {
                    total[i * vocab + v] = liveScores[i] + logProbs[i * vocab + v];
                    order[i * vocab + v] = i * vocab + v;
                }
            }
            Arrays.sort(order, (a, b) -> total[a] != total[b] ? Double.compare(total[b], total[a]) : Integer.compare(a, b));
            List<int[]> nextLive = new ArrayList<>();
            double[] nextScores = new double[k];
            int[] nextParents = new int[k];
            for (int rank = 0; rank < candidates && nextLive.size() < k; rank++) {
                int cand = order[rank], parent = cand / vocab, token = cand % vocab;
                int[] prefix = live.get(parent);
                if (token == eos) {
                    if (rank < k) {
                        finished.add(new Translation(prefix, true, total[cand], normalise(total[cand], prefix.length + 1, alpha), null));
                    }
                    continue;
                }
                int[] extended = Arrays.copyOf(prefix, prefix.length + 1);
                extended[prefix.length] = token;
                nextParents[nextLive.size()] = parent;
                nextScores[nextLive.size()] = total[cand];
                nextLive.add(extended);
            }
            live = nextLive;
            liveScores = nextScores;
            for (int r = 0; r < k; r++) {   // rows past the live ones repeat row 0 (their results are not read)
                int from = r < live.size() ? r : 0;
                parents[r] = live.isEmpty() ? 0 : nextParents[from];
                tokens[r] = live.isEmpty() ? bos : live.get(from)[live.get(from).length - 1];
            }
        }
        if (finished.isEmpty()) {
            for (int i = 0; i < live.size(); i++) {
                int[] p = live.get(i);
                finished.add(new Translation(p, false, liveScores[i], normalise(liveScores[i], p.length, alpha), null));
            }
        }
        Translation best = finished.get(0);
        for (Translation t : finished) {
            if (t.score() > best.score()) {
                best = t;
            }
        }
        return best;
    }

    private static double normalise(double logProb, int length, double alpha) {
        return alpha == 0 ? logProb : logProb / Math.pow(Math.max(length, 1), alpha);
    }

    private static void check(StepModel model, int maxLength) {
        if (model == null) {
            throw new IllegalArgumentException("model is required");
        }
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
        }
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }
}
