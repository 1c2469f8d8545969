package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Log-mel features: against numpy (and torch.stft) on a committed WAV, Parseval, pure tones, the frame count. */
class SpeechFeaturesTest {
    private final SpeechFeatures features = new SpeechFeatures(SpeechFeatures.DEFAULT);

    @Test
    void matchesTheNumpyReferenceOnACommittedWav() throws IOException {
        // reference: /usr/bin/python3 scripts/speech_features_reference.py (numpy rfft, checked against torch.stft)
        float[] x = SpeechAudio.readWav(SpeechAudioTest.resource("seven-16k.wav")).samples();
        String[] lines = new String(SpeechAudioTest.resource("seven-16k-logmel.csv"), StandardCharsets.US_ASCII).strip().split("\n");
        float[][] ours = features.logMel(x);
        assertEquals(lines.length, ours.length, "frames");
        double worst = 0;
        for (int t = 0; t < lines.length; t++) {
            String[] cells = lines[t].split(",");
            assertEquals(40, cells.length);
            for (int b = 0; b < 40; b++) {
                worst = Math.max(worst, Math.abs(ours[t][b] - Double.parseDouble(cells[b])));
            }
        }
        System.out.printf("log-mel vs numpy over %d frames x 40 bands: largest difference %.2e (first frame, band 0: %.6f vs %s)%n",
                ours.length, worst, ours[0][0], lines[0].split(",")[0]);
        assertTrue(worst < 1e-4, "largest log-mel difference " + worst);
    }

    @Test
    void powerSpectrumKeepsParsevalsIdentity() {
        SplittableRandom r = new SplittableRandom(3);
        for (int n : new int[] {1, 7, 400, 512}) {
            double[] frame = new double[n];
            double energy = 0;
            for (int i = 0; i < n; i++) {
                frame[i] = r.nextDouble(-1, 1);
                energy += frame[i] * frame[i];
            }
            double[] p = features.powerSpectrum(frame);
            int size = SpeechFeatures.DEFAULT.fftSize();
            double sum = p[0] + p[size / 2];
            for (int k = 1; k < size / 2; k++) {
                sum += 2 * p[k];
            }
            assertEquals(energy, sum / size, 1e-12 * Math.max(1, energy), "Parseval for " + n + " samples");
        }
        assertThrows(IllegalArgumentException.class, () -> features.powerSpectrum(new double[513]));
    }

    @Test
    void aPureToneLandsInTheBandWhoseFilterPeaksAtIt() {
        double[][] filters = features.filters();
        for (double hz : new double[] {312.5, 1000, 2500, 6000}) {              // bin centres: k * 16000 / 512
            int bin = (int) Math.round(hz * 512 / 16000);
            int expected = 0;
            for (int b = 1; b < filters.length; b++) {
                if (filters[b][bin] > filters[expected][bin]) {
                    expected = b;
                }
            }
            float[][] x = features.logMel(SpeechAudioTest.tone(hz, 16000, 4000));
            for (float[] frame : x) {
                int loudest = 0;
                for (int b = 1; b < frame.length; b++) {
                    if (frame[b] > frame[loudest]) {
                        loudest = b;
                    }
                }
                assertEquals(expected, loudest, hz + " Hz");
            }
            double centre = features.centres()[expected];
            assertTrue(Math.abs(SpeechFeatures.hzToMel(centre) - SpeechFeatures.hzToMel(hz)) < 2840.0 / 41,
                    hz + " Hz is within one mel step of the band centre " + centre);
        }
    }

    @Test
    void silenceIsLogEpsAndFramesFollowTheFormula() {
        float[][] x = features.logMel(new float[1000]);
        assertEquals(1 + (1000 - 400) / 160, x.length);
        assertEquals(Math.log(SpeechFeatures.LOG_EPS), x[2][7], 1e-6);
        assertEquals(1, features.logMel(new float[10]).length);                   // shorter than a window: one padded frame
        assertEquals(1, SpeechFeatures.DEFAULT.frames(559));
        assertEquals(2, SpeechFeatures.DEFAULT.frames(560));
        assertEquals(1127.0 * Math.log(2), SpeechFeatures.hzToMel(700), 0.05); // HTK: 2595 log10(2) = 1127 ln 2
        assertEquals(1234.5, SpeechFeatures.melToHz(SpeechFeatures.hzToMel(1234.5)), 1e-9);
    }

    @Test
    void filtersAreTrianglesWithPeakOneOnTheHtkScale() {
        double[][] filters = features.filters();
        assertEquals(40, filters.length);
        assertEquals(257, filters[0].length);
        for (double[] f : filters) {
            double peak = 0;
            for (double v : f) {
                assertTrue(v >= 0 && v <= 1);
                peak = Math.max(peak, v);
            }
            assertTrue(peak > 0.5, "every band covers a bin near its centre");
        }
    }

    @Test
    void refusesBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> new SpeechFeatures.Config(16000, 400, 160, 256, 40, 0, 8000));
        assertThrows(IllegalArgumentException.class, () -> new SpeechFeatures.Config(16000, 400, 160, 512, 40, 0, 9000));
        assertThrows(IllegalArgumentException.class, () -> new SpeechFeatures.Config(16000, 400, 0, 512, 40, 0, 8000));
        assertThrows(IllegalArgumentException.class, () -> new SpeechFeatures.Config(16000, 400, 160, 512, 0, 0, 8000));
    }
}
