package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The moving-digit clips and {@code rnn experiment video} at a tiny size (a smoke test: table, PNGs, JSON). */
class VideoExperimentTest {
    @TempDir
    Path dir;

    @Test
    void eachMotionMovesTheDigitItsWayAndNoFrameSaysWhere() throws Exception {
        VideoClips source = VideoClips.fromEmbeddedDigits();
        assertEquals(1797, source.images());
        // a noiseless single-pixel "digit" traced through the offsets: right moves +x, up moves -y, circles turn opposite ways
        assertEquals(3, VideoClips.offset(VideoClips.MOTIONS.indexOf("right"), 3, 1, 0)[0]);
        assertEquals(-4, VideoClips.offset(VideoClips.MOTIONS.indexOf("up"), 2, 2, 0)[1]);
        int[] cw = VideoClips.offset(VideoClips.MOTIONS.indexOf("clockwise"), 2, 1, 0);
        int[] acw = VideoClips.offset(VideoClips.MOTIONS.indexOf("anticlockwise"), 2, 1, 0);
        assertEquals(cw[0], acw[0]);
        assertEquals(-cw[1], acw[1]);
        // the wrapped canvas: every frame holds the whole digit (nothing falls off an edge), and frame t+1 is frame t
        // shifted by the motion's step (checked without noise on the straight motions)
        SplittableRandom random = new SplittableRandom(1);
        for (int motion = 0; motion < VideoClips.MOTIONS.size(); motion++) {
            float[] digit = source.digit(motion * 100);
            float[][] frames = VideoClips.clip(digit, motion, random, 0);
            for (float[] frame : frames) {
                assertEquals(sum(digit), sum(frame), 1e-3, VideoClips.MOTIONS.get(motion));
            }
            if (motion < 4) {
                int[] step = VideoClips.offset(motion, 1, 1, 0);
                int speed = Math.abs(VideoClips.offset(motion, 1, 1, 0)[0] + VideoClips.offset(motion, 1, 1, 0)[1]);
                assertEquals(1, speed);
                boolean oneOrTwo = shifted(frames[0], frames[1], step[0], step[1]) || shifted(frames[0], frames[1], 2 * step[0], 2 * step[1]);
                assertTrue(oneOrTwo, VideoClips.MOTIONS.get(motion) + ": frame 1 is frame 0 moved one or two pixels its way");
            }
        }
    }

    /** True when b is a moved (dx, dy) on the wrapped canvas. */
    private static boolean shifted(float[] a, float[] b, int dx, int dy) {
        int n = VideoClips.SIZE;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                if (a[y * n + x] != b[Math.floorMod(y + dy, n) * n + Math.floorMod(x + dx, n)]) {
                    return false;
                }
            }
        }
        return true;
    }

    @Test
    void tinyRunWritesTableFiguresAndJson() throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new VideoExperimentCommand()).execute("--budget", "60", "--epochs", "1", "--train", "60", "--test", "30",
                    "--hidden", "8", "--cells", "gru", "--out", dir.toString());
        } finally {
            System.setOut(saved);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, printed);
        assertTrue(printed.contains("| gru over the 10 frames (H=8) | 1 |"), printed);
        assertTrue(printed.contains("| one frame (frame 5), gru (H=8) |"), printed);
        for (String png : new String[] {"video-accuracy.png", "video-clips.png"}) {
            byte[] head = Files.readAllBytes(dir.resolve(png));
            assertTrue(head.length > 1000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', png + " is a PNG");
        }
        assertTrue(Files.readString(dir.resolve("video.json")).contains("\"experiment\" : \"video\""));
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s;
    }
}
