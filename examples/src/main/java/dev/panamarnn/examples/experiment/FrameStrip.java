package dev.panamarnn.examples.experiment;

import dev.panamarnn.examples.support.Plots;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** A PNG of clips as rows of frames (grey levels), each row labelled: what the video experiment's data looks like. */
final class FrameStrip {
    private static final int SCALE = 4, GAP = 4, LABEL = 110;

    private FrameStrip() {}

    /**
     * @param clips  (rows) each (frames, size * size) pixel values, shown clipped to [0, 1]
     * @param labels (rows) a caption per row
     */
    static void write(Path file, List<float[][]> clips, List<String> labels, int size) throws IOException {
        int frames = clips.get(0).length, cell = size * SCALE;
        int width = LABEL + frames * (cell + GAP), height = clips.size() * (cell + GAP) + GAP;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int row = 0; row < clips.size(); row++) {
            int top = GAP + row * (cell + GAP);
            g.setColor(Color.BLACK);
            g.drawString(labels.get(row), 6, top + cell / 2 + 5);
            for (int t = 0; t < frames; t++) {
                int left = LABEL + t * (cell + GAP);
                float[] frame = clips.get(row)[t];
                for (int p = 0; p < size * size; p++) {
                    int grey = (int) Math.round(255 * Math.min(1, Math.max(0, frame[p])));
                    g.setColor(new Color(grey, grey, grey));
                    g.fillRect(left + (p % size) * SCALE, top + (p / size) * SCALE, SCALE, SCALE);
                }
            }
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
        Plots.readableByAll(file);
    }
}
