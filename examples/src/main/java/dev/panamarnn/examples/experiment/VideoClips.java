package dev.panamarnn.examples.experiment;

import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.examples.support.EmbeddedData;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Short video clips for activity recognition: a handwritten digit (the embedded UCI 8x8 digits,
 * scaled to [0, 1]) moves over a {@value #SIZE}x{@value #SIZE} canvas for {@value #FRAMES} frames,
 * with Gaussian pixel noise. The class is the motion: right, left, down, up (1 or 2 pixels a frame),
 * or a circle of radius 2 turned clockwise or anticlockwise. The canvas wraps around (a torus), and
 * every clip starts at a uniformly random position and phase, so any one frame is a digit at a
 * uniformly random place whatever the class: a single frame cannot tell the motions apart, and the
 * average frame (a smear along the path) tells the axis but not the direction. Only the order of the
 * frames does. Which digit moves is drawn at random and says nothing about the class.
 */
final class VideoClips {
    static final int SIZE = 16;
    static final int FRAMES = 10;
    static final int PIXELS = SIZE * SIZE;
    static final double NOISE = 0.1;
    static final List<String> MOTIONS = List.of("right", "left", "down", "up", "clockwise", "anticlockwise");
    /** Images [0, TRAIN_IMAGES) draw the training clips, the rest the held-out ones: held-out clips move digits never seen. */
    static final int TRAIN_IMAGES = 1200;

    /** The clips: frames (N) each (FRAMES, PIXELS) row-major frames, and the motion class of each. */
    record Clips(List<float[][]> frames, int[] motions) {
        int size() {
            return motions.length;
        }

        /** As a data set for a sequence classifier: one frame per step. */
        SequenceDataset asSequences() {
            return SequenceDataset.ofSequences(frames, motions, MOTIONS.size());
        }

        /** One frame per clip (frame {@code frame}), as a sequence of one step: what a single-frame classifier sees. */
        SequenceDataset singleFrames(int frame) {
            List<float[][]> one = new ArrayList<>();
            for (float[][] clip : frames) {
                one.add(new float[][] {clip[frame]});
            }
            return SequenceDataset.ofSequences(one, motions, MOTIONS.size());
        }

        /** The average of each clip's frames, as a sequence of one step. */
        SequenceDataset averageFrames() {
            List<float[][]> one = new ArrayList<>();
            for (float[][] clip : frames) {
                float[] mean = new float[PIXELS];
                for (float[] frame : clip) {
                    for (int p = 0; p < PIXELS; p++) {
                        mean[p] += frame[p] / clip.length;
                    }
                }
                one.add(new float[][] {mean});
            }
            return SequenceDataset.ofSequences(one, motions, MOTIONS.size());
        }
    }

    private final float[][] digits;   // (1797) each (64) 8x8 pixels in [0, 1]

    private VideoClips(float[][] digits) {
        this.digits = digits;
    }

    /** The embedded digits (data/digits.csv.gz). */
    static VideoClips fromEmbeddedDigits() throws IOException {
        List<float[]> images = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(EmbeddedData.open("digits.csv.gz")),
                StandardCharsets.UTF_8))) {
            String header = in.readLine();
            if (header == null || !header.startsWith("image,row,c0")) {
                throw new IOException("data/digits.csv.gz does not start with the header image,row,c0,...; got " + header);
            }
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] cells = line.split(",");
                int image = Integer.parseInt(cells[0]), row = Integer.parseInt(cells[1]);
                if (image == images.size()) {
                    images.add(new float[64]);
                }
                for (int c = 0; c < 8; c++) {
                    images.get(image)[row * 8 + c] = Integer.parseInt(cells[2 + c]) / 16f;
                }
            }
        }
        return new VideoClips(images.toArray(new float[0][]));
    }

    int images() {
        return digits.length;
    }

    /** (64) image i's pixels in [0, 1]. */
    float[] digit(int i) {
        return digits[i].clone();
    }

    /** {@code n} clips, classes balanced in turn, from the training or the held-out images. */
    Clips generate(int n, boolean heldOut, SplittableRandom random) {
        int from = heldOut ? TRAIN_IMAGES : 0, to = heldOut ? digits.length : TRAIN_IMAGES;
        List<float[][]> frames = new ArrayList<>(n);
        int[] motions = new int[n];
        for (int i = 0; i < n; i++) {
            motions[i] = i % MOTIONS.size();
            frames.add(clip(digits[from + random.nextInt(to - from)], motions[i], random));
        }
        return new Clips(frames, motions);
    }

    /** (FRAMES, PIXELS): the digit at its path's position in each frame, plus noise. */
    static float[][] clip(float[] digit, int motion, SplittableRandom random) {
        return clip(digit, motion, random, NOISE);
    }

    /** The same with pixel noise of standard deviation {@code noise}. */
    static float[][] clip(float[] digit, int motion, SplittableRandom random, double noise) {
        int x0 = random.nextInt(SIZE), y0 = random.nextInt(SIZE);
        int speed = 1 + random.nextInt(2), phase = random.nextInt(8);
        float[][] frames = new float[FRAMES][PIXELS];
        for (int t = 0; t < FRAMES; t++) {
            int[] offset = offset(motion, t, speed, phase);
            draw(frames[t], digit, x0 + offset[0], y0 + offset[1]);
            for (int p = 0; p < PIXELS; p++) {
                frames[t][p] += (float) (random.nextGaussian() * noise);
            }
        }
        return frames;
    }

    /** (dx, dy) of frame t: a straight line at {@code speed} pixels a frame, or a circle of radius 2 in 8 frames from {@code phase}. */
    static int[] offset(int motion, int t, int speed, int phase) {
        return switch (MOTIONS.get(motion)) {
            case "right" -> new int[] {speed * t, 0};
            case "left" -> new int[] {-speed * t, 0};
            case "down" -> new int[] {0, speed * t};
            case "up" -> new int[] {0, -speed * t};
            case "clockwise", "anticlockwise" -> {
                int sign = motion == MOTIONS.indexOf("clockwise") ? 1 : -1;   // y grows downwards: +angle turns clockwise on screen
                double angle = 2 * Math.PI * (phase + sign * t) / 8;
                yield new int[] {(int) Math.round(2 * Math.cos(angle)), (int) Math.round(2 * Math.sin(angle))};
            }
            default -> throw new AssertionError(motion);
        };
    }

    /** Adds the 8x8 digit at top-left (x, y), wrapping around the canvas's edges. */
    private static void draw(float[] frame, float[] digit, int x, int y) {
        for (int r = 0; r < 8; r++) {
            for (int c = 0; c < 8; c++) {
                int row = Math.floorMod(y + r, SIZE), col = Math.floorMod(x + c, SIZE);
                frame[row * SIZE + col] += digit[r * 8 + c];
            }
        }
    }
}
