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

    @Test
    void aFigureThatCannotBeWrittenNamesItsFile() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        Path png = file.resolve("figure.png");
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> Plots.lines(png, "t", "x", "y", List.of(line(1, 2))));
        assertTrue(e.getMessage().startsWith("cannot write the figure " + png + ": "), e.getMessage());
    }
}
