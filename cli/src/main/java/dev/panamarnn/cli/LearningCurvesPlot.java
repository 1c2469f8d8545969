package dev.panamarnn.cli;

import dev.panamarnn.examples.support.Plots;
import dev.panamarnn.model.Task;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The learning-curves PNG of {@code rnn train sequences}: training and validation loss per epoch, accuracy or RMSE on a right axis. */
final class LearningCurvesPlot {
    private LearningCurvesPlot() {}

    static void write(Path file, String title, Task task, List<TrainingProgress.Point> points) throws IOException {
        double[] epoch = points.stream().mapToDouble(TrainingProgress.Point::epoch).toArray();
        double[] train = points.stream().mapToDouble(TrainingProgress.Point::trainLoss).toArray();
        double[] validation = points.stream().mapToDouble(p -> p.validation().loss()).toArray();
        boolean classes = task.hasClasses();
        double[] measure = points.stream().mapToDouble(p -> classes ? p.validation().accuracy() : p.validation().rmse()).toArray();
        String loss = classes ? "cross-entropy" : "mean squared error";
        Plots.lines(file, title, "epoch", loss, List.of(
                        new Plots.Line("training loss", epoch, train, new Color(0x1f77b4)),
                        new Plots.Line("validation loss", epoch, validation, new Color(0xd62728))),
                classes ? "validation accuracy" : "validation RMSE",
                List.of(new Plots.Line(classes ? "validation accuracy" : "validation RMSE", epoch, measure, new Color(0x2ca02c))));
    }
}
