package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spectrogram-with-alignment PNG, drawn from a synthetic alignment (no model needed). */
class SpeechFigureTest {
    @TempDir
    Path dir;

    @Test
    void writesAValidPngOfASpectrogramWithASyntheticAlignment() throws IOException {
        float[] audio = SpeechAudioTest.tone(800, 16000, 16000);
        float[][] x = new SpeechFeatures(SpeechFeatures.DEFAULT).logMel(audio);
        int[] steps = new int[x.length];                 // "4 0 4": blank, 5, blank, 1, blank, 5 (ids are digit + 1)
        for (int t = 0; t < steps.length; t++) {
            steps[t] = t < 10 ? 0 : t < 30 ? 5 : t < 40 ? 0 : t < 50 ? 1 : t < 60 ? 0 : t < 70 ? 5 : 0;
        }
        Path png = dir.resolve("sub/alignment.png");
        SpeechFigure.alignment(png, "synthetic", x, steps, SpeechDataset.CLASS_NAMES, SpeechDataset.BLANK, 0.01);
        byte[] bytes = Files.readAllBytes(png);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, Arrays.copyOf(bytes, 8));
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(1200, image.getWidth());
        assertEquals(520, image.getHeight());
        assertEquals("404", SpeechFigure.greedy(steps, SpeechDataset.CLASS_NAMES, SpeechDataset.BLANK));
        try (var files = Files.list(png.getParent())) {
            assertEquals(1, files.count(), "no temporary file left beside the figure");
        }
    }

    @Test
    void refusesAlignmentsThatDoNotFit() {
        float[][] x = new float[20][40];
        Path png = dir.resolve("bad.png");
        assertThrows(IllegalArgumentException.class,
                () -> SpeechFigure.alignment(png, "t", x, new int[21], SpeechDataset.CLASS_NAMES, 0, 0.01));
        assertThrows(IllegalArgumentException.class,
                () -> SpeechFigure.alignment(png, "t", x, new int[] {11}, SpeechDataset.CLASS_NAMES, 0, 0.01));
        assertThrows(IllegalArgumentException.class,
                () -> SpeechFigure.alignment(png, "t", new float[0][], new int[] {1}, SpeechDataset.CLASS_NAMES, 0, 0.01));
        assertFalse(Files.exists(png));
    }
}
