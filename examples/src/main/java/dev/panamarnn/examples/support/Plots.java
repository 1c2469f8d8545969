package dev.panamarnn.examples.support;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG charts (XChart) written atomically: loss curves, forecasts and the experiments' figures. */
public final class Plots {
    private Plots() {}

    /** One named line of a chart. */
    public record Line(String name, double[] x, double[] y, Color color) {}

    /** Writes a line chart to {@code file} (PNG), linear axes. */
    public static void lines(Path file, String title, String xLabel, String yLabel, List<Line> lines) throws IOException {
        lines(file, title, xLabel, yLabel, lines, false);
    }

    /**
     * Writes a line chart to {@code file} (PNG); with {@code logY} the y axis is logarithmic
     * ({@link LogAxis}: at most 48 decades and about 8 labels; values below its bottom are drawn there),
     * for positive values such as gradient norms or losses.
     */
    public static void lines(Path file, String title, String xLabel, String yLabel, List<Line> lines, boolean logY)
            throws IOException {
        lines(file, title, xLabel, yLabel, lines, logY, null, List.of());
    }

    /**
     * Writes a line chart to {@code file} (PNG) with a second y axis on the right, titled
     * {@code rightLabel}, for {@code rightLines} (another unit, e.g. accuracy beside a loss).
     */
    public static void lines(Path file, String title, String xLabel, String yLabel, List<Line> lines, String rightLabel,
                             List<Line> rightLines) throws IOException {
        lines(file, title, xLabel, yLabel, lines, false, rightLabel, rightLines);
    }

    private static void lines(Path file, String title, String xLabel, String yLabel, List<Line> lines, boolean logY,
                              String rightLabel, List<Line> rightLines) throws IOException {
        XYChart chart = chart(title, xLabel, yLabel, lines, logY, rightLabel, rightLines);
        try {
            write(chart, file.toAbsolutePath());
        } catch (IOException e) {       // "I/O error writing PNG file!", or a bare path: say which figure
            throw new IOException("cannot write the figure " + file + ": " + e.getMessage(), e);
        }
    }

    /** The chart {@link #lines} writes (tests look at its axes). */
    static XYChart chart(String title, String xLabel, String yLabel, List<Line> lines, boolean logY, String rightLabel,
                         List<Line> rightLines) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1100).height(560).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        LogAxis axis = logY ? LogAxis.of(lines) : null;
        if (axis != null) {
            chart.getStyler().setYAxisMin((double) axis.lowDecade());
            chart.getStyler().setYAxisMax((double) axis.highDecade());
            chart.getStyler().setYAxisTickMarkSpacingHint(560 / LogAxis.MAX_LABELS);
            chart.setCustomYAxisTickLabelsFormatter(axis::label);
            if (axis.clipped(lines)) {
                chart.setYAxisTitle(yLabel + ", values below " + axis.label(axis.lowDecade()) + " at the bottom");
            }
        }
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        // the legend right of the plot, where it covers no curve (a rising series ends top right)
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        chart.getStyler().setXAxisDecimalPattern("0.##");   // years as 1963.75, not 1,963.75
        chart.getStyler().setXAxisTickMarkSpacingHint(90);  // labels like "1960.5" or "121" apart, not run together
        for (Line line : lines) {
            if (line.x().length == 0) {
                continue;
            }
            XYSeries series = chart.addSeries(line.name(), line.x(), axis != null ? axis.plotted(line.y()) : line.y());
            series.setMarker(SeriesMarkers.NONE);
            if (line.color() != null) {
                series.setLineColor(line.color());
            }
        }
        spaceOutXLabels(chart, lines, axis);
        if (!rightLines.isEmpty()) {
            chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
            chart.setYAxisGroupTitle(1, rightLabel);
        }
        for (Line line : rightLines) {
            if (line.x().length == 0) {
                continue;
            }
            XYSeries series = chart.addSeries(line.name(), line.x(), line.y());
            series.setYAxisGroup(1);
            series.setMarker(SeriesMarkers.CIRCLE);
            if (line.color() != null) {
                series.setLineColor(line.color());
                series.setMarkerColor(line.color());
            }
        }
        return chart;
    }

    /**
     * When every point of every line is on one equally spaced grid (steps 0, 1, ..., 199), XChart
     * ignores the x spacing hint and labels every k-th point with a tenth of a label's width between
     * labels, which run together ("105112119126"); one invisible point off the grid (no line, no
     * marker, not in the legend, inside the plotted range) makes it space the labels by the hint.
     */
    private static void spaceOutXLabels(XYChart chart, List<Line> lines, LogAxis axis) {
        Line first = lines.stream().filter(l -> l.x().length >= 2).findFirst().orElse(null);
        if (first == null) {
            return;
        }
        double x = (first.x()[0] + first.x()[1]) / 2;
        double y = axis != null ? axis.plotted(new double[] {first.y()[0]})[0] : first.y()[0];
        if (!Double.isFinite(x) || !Double.isFinite(y)) {
            return;
        }
        XYSeries off = chart.addSeries(" off-grid", new double[] {x}, new double[] {y});
        off.setMarker(SeriesMarkers.NONE);
        off.setShowInLegend(false);
    }

    private static void write(XYChart chart, Path absolute) throws IOException {
        if (absolute.getParent() != null) {
            Files.createDirectories(absolute.getParent());
        }
        Path temp = Files.createTempFile(absolute.getParent(), absolute.getFileName().toString(), ".part.png");
        try {
            BitmapEncoder.saveBitmap(chart, temp.toString(), BitmapEncoder.BitmapFormat.PNG);
            readableByAll(temp);
            Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Gives a finished file the usual rw-r--r-- mode: temporary files are created owner-only
     * (0600), which would otherwise carry over to the figure. No-op where POSIX modes don't exist.
     */
    public static void readableByAll(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
    }
}
