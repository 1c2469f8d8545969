package dev.panamarnn.examples.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The log axis of the figures: a bounded range, values below it at the bottom, distinct labels; and the PNG gets written. */
class LogAxisTest {
    @TempDir
    Path dir;

    private static Plots.Line line(double... y) {
        double[] x = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        return new Plots.Line("l", x, y, Color.BLACK);
    }

    @Test
    void endsFortyEightDecadesBelowTheTopOnAMultipleOfFive() {
        LogAxis axis = LogAxis.of(List.of(line(3e24, 1.0, 1e-51, 0)));
        assertEquals(25, axis.highDecade());
        assertEquals(-25, axis.lowDecade());
        assertArrayEquals(new double[] {Math.log10(3e24), 0, -25, -25}, axis.plotted(new double[] {3e24, 1.0, 1e-51, 0}), 1e-12);
        assertEquals("1e-20", axis.label(-20));
        assertEquals("3.2e-03", axis.label(-2.5));
        LogAxis narrow = LogAxis.of(List.of(line(0.5, 0.02)));
        assertEquals(0, narrow.highDecade());
        assertEquals(-2, narrow.lowDecade());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFigureSpanningFiftyDecadesIsWritten() throws IOException {
        Path png = dir.resolve("log.png");
        Plots.lines(png, "vanishing", "t", "norm", List.of(line(1, 1e-10, 1e-30, 1e-51)), true);
        assertTrue(Files.size(png) > 1000);
    }

    /** The tick labels XChart draws on the chart's x or y axis, once it is laid out (XChart keeps them internal). */
    private static List<String> tickLabels(org.knowm.xchart.XYChart chart, boolean x) throws ReflectiveOperationException {
        org.knowm.xchart.BitmapEncoder.getBufferedImage(chart);
        java.lang.reflect.Field pair = org.knowm.xchart.internal.chartpart.Chart.class.getDeclaredField("axisPair");
        pair.setAccessible(true);
        var axes = (org.knowm.xchart.internal.chartpart.AxisPair<?, ?>) pair.get(chart);
        java.lang.reflect.Method y = axes.getClass().getDeclaredMethod("getYAxis");
        y.setAccessible(true);
        var axis = x ? axes.getXAxis() : (org.knowm.xchart.internal.chartpart.Axis<?, ?>) y.invoke(axes);
        return axis.getAxisTickCalculator().getTickLabels();
    }

    @Test
    void theGradientFiguresAxesHaveFewDistinctLabels() throws ReflectiveOperationException {
        double[] y = new double[200];                               // T - t = 0..199, the norm vanishing to 1e-51
        for (int i = 0; i < y.length; i++) {
            y[i] = Math.pow(10, -51.0 * i / 199);
        }
        var chart = Plots.chart("vanishing", "steps back", "norm", List.of(line(y),
                        new Plots.Line("m", line(y).x(), java.util.Arrays.stream(y).map(v -> v * 3).toArray(), Color.RED)),
                true, null, List.of());
        List<String> yLabels = tickLabels(chart, false), xLabels = tickLabels(chart, true);
        assertTrue(yLabels.size() <= LogAxis.MAX_LABELS + 1 && !yLabels.contains("1e-51") && !yLabels.contains("1e-49"), yLabels.toString());
        assertEquals(yLabels.size(), new java.util.HashSet<>(yLabels).size(), yLabels.toString());
        // every x on one grid (0, 1, ..., 199): labels by the spacing hint, not every 7th step run together ("105112119")
        // (XChart's list runs one step past each end, where nothing is drawn)
        assertTrue(xLabels.size() >= 3 && xLabels.size() <= 14 && xLabels.contains("0") && xLabels.contains("100"), xLabels.toString());
        double step = Double.parseDouble(xLabels.get(xLabels.indexOf("0") + 1));
        assertTrue(step == 10 || step == 20 || step == 25 || step == 50, xLabels.toString());
    }

    @Test
    void aFigureThatCannotBeWrittenNamesItsFile() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        Path png = file.resolve("figure.png");
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> Plots.lines(png, "t", "x", "y", List.of(line(1, 2))));
        assertTrue(e.getMessage().startsWith("cannot write the figure " + png + ": "), e.getMessage());
    }
}
