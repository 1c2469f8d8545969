package dev.panamarnn.examples.support;

import java.util.List;

/**
 * A readable logarithmic y axis for {@link Plots}: at most {@link #MAX_DECADES} decades below the
 * largest value (a vanishing gradient reaches 1e-51; the figure then ends 48 decades below its top, on a multiple of 5, and
 * draws smaller values at the bottom, as its axis title says) and about {@link #MAX_LABELS} labels,
 * "1e-k" on whole decades. The chart plots log10(y) on a linear axis whose tick spacing XChart
 * chooses (1, 2 or 5 decades): XChart's own log axis labels every decade (they overlap), and given a
 * label formatter it steps linearly through the whole range. Labels must differ from each other, or
 * XChart's tick search never ends.
 */
record LogAxis(int lowDecade, int highDecade) {
    static final int MAX_DECADES = 48;
    static final int MAX_LABELS = 8;

    /** The axis for the positive y values of {@code lines} (non-positive values are ignored); null without any. */
    static LogAxis of(List<Plots.Line> lines) {
        double min = Double.POSITIVE_INFINITY, max = 0;
        for (Plots.Line line : lines) {
            for (double y : line.y()) {
                if (y > 0 && Double.isFinite(y)) {
                    min = Math.min(min, y);
                    max = Math.max(max, y);
                }
            }
        }
        if (max == 0) {
            return null;
        }
        int high = (int) Math.ceil(Math.log10(max));
        int low = Math.max((int) Math.floor(Math.log10(min)), high - MAX_DECADES);
        if (high - low > 10) {
            low = Math.floorDiv(low, 5) * 5;              // the bottom on a labelled tick
        }
        if (low == high) {
            low--;
        }
        return new LogAxis(low, high);
    }

    double bottom() {
        return Math.pow(10, lowDecade);
    }

    boolean clipped(List<Plots.Line> lines) {
        return lines.stream().anyMatch(l -> java.util.Arrays.stream(l.y()).anyMatch(y -> y < bottom()));
    }

    /** log10 of {@code y}, the values below the axis (zero and negative ones too) drawn at its bottom. */
    double[] plotted(double[] y) {
        double[] c = new double[y.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = y[i] > bottom() ? Math.log10(y[i]) : lowDecade;
        }
        return c;
    }

    /** "1e-12" at a whole decade, else the value to two digits ("3.2e-03"): one label per tick value. */
    String label(double log10) {
        long decade = Math.round(log10);
        return Math.abs(log10 - decade) < 1e-9 ? "1e" + decade : String.format(java.util.Locale.ROOT, "%.1e", Math.pow(10, log10));
    }
}
