package dev.panamarnn.cli;

import dev.panamarnn.model.Metrics;
import dev.panamarnn.model.TrainingListener;
import dev.panamarnn.model.TrainingStep;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Follows a {@link dev.panamarnn.model.Trainer#fit}: a progress bar (smoothed loss, steps/s) over
 * the planned steps, or over the seconds of a time budget; one line per validation; and the
 * learning curves, one {@link Point} per validated epoch. Closing ends the bar.
 */
final class TrainingProgress implements TrainingListener, AutoCloseable {
    /** One epoch's end (a fractional epoch for a run cut short): mean training loss and validation metrics. */
    record Point(double epoch, double trainLoss, Metrics validation) {}

    private final PrintStream out;
    private final double seconds;            // a time budget's length, for the bar of a timed run
    private final List<Point> points = new ArrayList<>();
    private ProgressBar bar;
    private boolean timed;                   // the bar counts seconds, not steps
    private int stepsPerEpoch = 1;
    private long start;
    private long steps;                      // taken in this run
    private long lastStep;
    private double smoothed = Double.NaN;
    private double epochLossSum;
    private int epochLossSteps;

    TrainingProgress(PrintStream out, double minutes) {
        this.out = out;
        this.seconds = minutes * 60;
    }

    @Override
    public void onStart(long plannedSteps, int perEpoch) {
        stepsPerEpoch = perEpoch;
        start = System.nanoTime();
        boolean timed = plannedSteps < 0;
        bar = new ProgressBarBuilder().setTaskName("training").setInitialMax(timed ? (long) Math.max(1, Math.ceil(seconds)) : plannedSteps)
                .setUnit(timed ? " s" : " steps", 1).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                .continuousUpdate().setConsumer(new ConsoleProgressBarConsumer(out)).build();
        this.timed = timed;
    }

    @Override
    public void onStep(TrainingStep step, int epoch) {
        steps++;
        lastStep = step.step();
        if (!step.skipped()) {
            smoothed = Double.isNaN(smoothed) ? step.loss() : 0.95 * smoothed + 0.05 * step.loss();
            epochLossSum += step.loss();
            epochLossSteps++;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        bar.stepTo(timed ? (long) elapsed : steps);
        bar.setExtraMessage(String.format(" loss %.4f  %.1f steps/s", smoothed, steps / Math.max(elapsed, 1e-9)));
    }

    @Override
    public void onValidation(long step, int epoch, Metrics metrics) {
        Point p = new Point((double) step / stepsPerEpoch, epochLoss(), metrics);
        points.add(p);
        bar.pause();
        out.print("\r" + " ".repeat(120) + "\r"); // over the bar's line, which it redraws on resume
        out.printf("epoch %d (step %d): training loss %.4f, validation %s%n", epoch + 1, step, p.trainLoss(), metrics);
        bar.resume();
    }

    /** Mean loss of the steps since the last validation, and starts the next epoch's mean. */
    private double epochLoss() {
        double mean = epochLossSteps == 0 ? Double.NaN : epochLossSum / epochLossSteps;
        epochLossSum = 0;
        epochLossSteps = 0;
        return mean;
    }

    /**
     * Adds the final validation after the last epoch the trainer validated, when the run went on
     * past it (a step or time budget that ended mid-epoch).
     */
    void last(Metrics validation) {
        if (epochLossSteps > 0 || points.isEmpty()) {
            points.add(new Point((double) lastStep / stepsPerEpoch, epochLoss(), validation));
        }
    }

    List<Point> points() {
        return List.copyOf(points);
    }

    long steps() {
        return steps;
    }

    double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
