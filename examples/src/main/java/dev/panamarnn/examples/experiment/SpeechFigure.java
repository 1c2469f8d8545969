package dev.panamarnn.examples.experiment;

import dev.panamarnn.examples.support.Plots;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.knowm.xchart.AnnotationImage;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The speech lab's figure: one utterance's log-mel spectrogram (time across, mel band up, a
 * viridis-like colour scale from its smallest to its largest value) with a CTC alignment over it:
 * the per-step arg-max class ids (what greedy decoding reads). Each run of one non-blank class gets
 * a white line where it starts and its class name in a strip above the spectrogram; blank steps
 * get nothing; the title gives the greedy decoding (repeats collapsed, blanks removed). Drawn with
 * XChart (an XYChart whose plot holds the spectrogram as an image), written atomically as a PNG.
 * It takes class ids, not a model, so it draws a reference alignment as well as a decoded one.
 */
public final class SpeechFigure {
    private SpeechFigure() {}

    private static final int WIDTH = 1200, HEIGHT = 520;
    /** Height of the label strip above the spectrogram, in mel bands. */
    private static final double STRIP = 4;

    /**
     * Writes the figure.
     *
     * @param features     (T, bands) log-mel frames
     * @param stepClasses  (S) class per output step, S in 1..T; step s covers frames [s T / S, (s+1) T / S)
     *                     (S &lt; T for a model that subsamples time)
     * @param classNames   name of each class id; {@code blank}'s is not drawn
     * @param frameSeconds time between frames (the hop), for the time axis
     */
    public static void alignment(Path file, String title, float[][] features, int[] stepClasses, List<String> classNames,
                                 int blank, double frameSeconds) throws IOException {
        int frames = features.length;
        if (frames == 0 || features[0].length == 0) {
            throw new IllegalArgumentException("no spectrogram to draw: " + frames + " frames");
        }
        int bands = features[0].length;
        for (float[] frame : features) {
            if (frame.length != bands) {
                throw new IllegalArgumentException("ragged spectrogram: frames of " + bands + " and " + frame.length + " bands");
            }
        }
        if (stepClasses.length < 1 || stepClasses.length > frames) {
            throw new IllegalArgumentException("need 1 to " + frames + " step classes (one per frame at most), got " + stepClasses.length);
        }
        for (int c : stepClasses) {
            if (c < 0 || c >= classNames.size()) {
                throw new IllegalArgumentException("class id " + c + " out of range 0.." + (classNames.size() - 1));
            }
        }
        if (!(frameSeconds > 0)) {
            throw new IllegalArgumentException("frameSeconds must be positive, got " + frameSeconds);
        }
        System.setProperty("java.awt.headless", "true");
        double seconds = frames * frameSeconds, top = bands + STRIP;
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(title + "  |  greedy decoding: \"" + greedy(stepClasses, classNames, blank) + "\"")
                .xAxisTitle("time (s)").yAxisTitle("mel band").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisDecimalPattern("0.0#");
        chart.getStyler().setPlotGridLinesVisible(false);
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(seconds).setYAxisMin(0.0).setYAxisMax(top);
        chart.getStyler().setAnnotationLineColor(new Color(255, 255, 255, 200));
        chart.getStyler().setAnnotationLineStroke(new BasicStroke(1.5f));
        chart.getStyler().setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        chart.getStyler().setAnnotationTextFontColor(Color.BLACK);
        // an invisible series for the ticks: XChart labels an axis at the data's distinct values when
        // they are few, so the series visits round times (0.25 or 0.5 s apart) and bands 0, 10, 20, ...
        double xStep = seconds > 4 ? 0.5 : 0.25;
        int yStep = bands > 20 ? 10 : bands > 5 ? 5 : 1;
        int xTicks = (int) Math.floor(seconds / xStep + 1e-9) + 1, yTicks = (bands - 1) / yStep + 1;
        int points = Math.max(xTicks, yTicks);
        double[] xs = new double[points], ys = new double[points];
        for (int i = 0; i < points; i++) {
            xs[i] = Math.min(i, xTicks - 1) * xStep;
            ys[i] = Math.min(i, yTicks - 1) * yStep;
        }
        XYSeries frame = chart.addSeries("frame", xs, ys);
        frame.setMarker(SeriesMarkers.NONE);
        frame.setLineColor(new Color(0, 0, 0, 0));

        BitmapEncoder.getBufferedImage(chart);                     // lays the chart out: data -> pixels is known after a paint
        int x0 = (int) Math.round(chart.getScreenXFromChart(0)), x1 = (int) Math.round(chart.getScreenXFromChart(seconds));
        int y0 = (int) Math.round(chart.getScreenYFromChart(0)), y1 = (int) Math.round(chart.getScreenYFromChart(bands));
        BufferedImage image = spectrogram(features, Math.max(1, x1 - x0), Math.max(1, y0 - y1));
        chart.addAnnotation(new AnnotationImage(image, seconds / 2, bands / 2.0, false));

        int steps = stepClasses.length;
        for (int s = 0; s < steps; s++) {
            int c = stepClasses[s];
            if (c == blank || (s > 0 && stepClasses[s - 1] == c)) {
                continue;
            }
            int end = s;
            while (end + 1 < steps && stepClasses[end + 1] == c) {
                end++;
            }
            double start = (double) s * frames / steps * frameSeconds, stop = (double) (end + 1) * frames / steps * frameSeconds;
            chart.addAnnotation(new AnnotationLine(start, true, false));
            chart.addAnnotation(new AnnotationText(classNames.get(c), (start + stop) / 2, bands + STRIP / 2, false));
        }
        write(chart, file.toAbsolutePath());
    }

    /** What greedy CTC decoding reads from per-step classes: repeats collapsed, blanks removed, names joined. */
    static String greedy(int[] stepClasses, List<String> classNames, int blank) {
        StringBuilder s = new StringBuilder();
        int previous = -1;
        for (int c : stepClasses) {
            if (c != previous && c != blank) {
                s.append(classNames.get(c));
            }
            previous = c;
        }
        return s.toString();
    }

    /** The spectrogram as a width x height image: frame t to columns, band 0 at the bottom, nearest neighbour. */
    private static BufferedImage spectrogram(float[][] x, int width, int height) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float[] frame : x) {
            for (float v : frame) {
                if (Float.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        double range = max > min ? max - min : 1;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int frames = x.length, bands = x[0].length;
        for (int px = 0; px < width; px++) {
            int t = Math.min(frames - 1, (int) ((long) px * frames / width));
            for (int py = 0; py < height; py++) {
                int b = Math.min(bands - 1, (int) ((long) (height - 1 - py) * bands / height));
                float v = x[t][b];
                image.setRGB(px, py, colour(Float.isFinite(v) ? (v - min) / range : 0));
            }
        }
        return image;
    }

    /** A viridis-like scale: dark blue, teal, green, yellow, for u in [0, 1]. */
    private static int colour(double u) {
        int[][] stops = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
        double p = Math.max(0, Math.min(1, u)) * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) p);
        double f = p - i;
        int r = (int) Math.round(stops[i][0] + f * (stops[i + 1][0] - stops[i][0]));
        int g = (int) Math.round(stops[i][1] + f * (stops[i + 1][1] - stops[i][1]));
        int b = (int) Math.round(stops[i][2] + f * (stops[i + 1][2] - stops[i][2]));
        return r << 16 | g << 8 | b;
    }

    private static void write(XYChart chart, Path absolute) throws IOException {
        if (absolute.getParent() != null) {
            Files.createDirectories(absolute.getParent());
        }
        Path temp = Files.createTempFile(absolute.getParent(), absolute.getFileName().toString(), ".part.png");
        try {
            BitmapEncoder.saveBitmap(chart, temp.toString(), BitmapEncoder.BitmapFormat.PNG);
            Plots.readableByAll(temp);
            Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IOException("cannot write the figure " + absolute + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
