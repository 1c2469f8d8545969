package dev.panamarnn.bench.runner;

/**
 * One mode (training step or inference forward) of one shape, measured in rounds: each round
 * times the GEMM bound and the native step back to back, so a round's ratio limit/native is taken
 * under the same machine conditions. On a shared 2-vCPU VM the speed drifts by 10-30% within
 * seconds; pairing keeps that drift out of the ratio.
 */
final class Paired {
    private final double[] limitMs;
    private final double[] nativeMs;
    private final double[] ratio;
    private double minMs = Double.POSITIVE_INFINITY;
    private double maxMs = 0;
    private int rounds;

    Paired(int capacity) {
        limitMs = new double[capacity];
        nativeMs = new double[capacity];
        ratio = new double[capacity];
    }

    /** Records one round: the limit's time and the native step's timing. */
    void add(double limit, Timer.Result step) {
        limitMs[rounds] = limit;
        nativeMs[rounds] = step.medianMs();
        ratio[rounds] = limit / step.medianMs();
        minMs = Math.min(minMs, step.minMs());
        maxMs = Math.max(maxMs, step.maxMs());
        rounds++;
    }

    /** The summary: medians over the rounds, the spread of single steps and of the rounds' ratios. */
    Mode summary() {
        double[] limits = java.util.Arrays.copyOf(limitMs, rounds);
        double[] natives = java.util.Arrays.copyOf(nativeMs, rounds);
        double[] ratios = java.util.Arrays.copyOf(ratio, rounds);
        return new Mode(Timer.median(natives), minMs, maxMs, Timer.median(limits), Timer.median(ratios),
                Timer.min(ratios), Timer.max(ratios), rounds);
    }

    /**
     * @param nativeMs median over the rounds of each round's median step time
     * @param minMs    fastest single step; {@code maxMs} slowest
     * @param limitMs  median over the rounds of the GEMM-bound time
     * @param bound    median over the rounds of limit / native (1 = as fast as its GEMMs alone)
     */
    record Mode(double nativeMs, double minMs, double maxMs, double limitMs, double bound, double boundMin,
                double boundMax, int rounds) {
        String spread() {
            return String.format("%.2f-%.2f", minMs, maxMs);
        }

        String boundSpread() {
            return String.format("%.2f-%.2f", boundMin, boundMax);
        }
    }
}
