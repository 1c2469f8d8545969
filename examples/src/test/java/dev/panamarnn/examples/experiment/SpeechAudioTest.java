package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The checked WAV reader on espeak-ng's real output and on broken bytes; the resampler against scipy and on tones. */
class SpeechAudioTest {
    static byte[] resource(String name) throws IOException {
        try (InputStream in = SpeechAudioTest.class.getResourceAsStream("/speech/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource /speech/" + name);
            }
            return in.readAllBytes();
        }
    }

    @Test
    void readsEspeakPipeOutputWithPlaceholderSizes() throws IOException {
        byte[] bytes = resource("seven-espeak.wav");
        // espeak-ng --stdout cannot seek back: RIFF and data sizes are placeholders far past the end
        assertEquals(0x7FFFF000, ByteBuffer.wrap(bytes, 40, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
        SpeechAudio.Pcm pcm = SpeechAudio.readWav(bytes);
        assertEquals(22050, pcm.sampleRate());
        assertEquals((bytes.length - 44) / 2, pcm.samples().length);
        assertEquals(ByteBuffer.wrap(bytes, 44 + 2 * 5000, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() / 32768.0,
                pcm.samples()[5000], 1e-9);
    }

    @Test
    void refusesBrokenWavWithItsReason() {
        byte[] good = wav(1, 1, 16000, 16, new byte[64]);
        assertEquals(32, assertDoesNotFail(good).samples().length);
        expect(new byte[0], "not a WAV file");
        expect("RIFF\0\0\0\0WAVX".getBytes(), "not a WAV file");
        expect(Arrays.copyOf(good, 30), "fmt chunk of 16 bytes");                          // fmt cut short
        expect(wav(2, 1, 16000, 4, new byte[8]), "unsupported WAV encoding: format tag 2");  // ADPCM
        expect(wav(1, 0, 16000, 16, new byte[8]), "0 channels");
        expect(wav(1, 1, 50, 16, new byte[8]), "sample rate 50 Hz");
        byte[] badAlign = good.clone();
        badAlign[32] = 3;                                                                    // block align 3 for mono 16-bit
        expect(badAlign, "block align 3");
        byte[] noData = Arrays.copyOf(good, 36);
        expect(noData, "without a data chunk");
        // a chunk before data whose size runs past the end is refused (only a last data chunk may be a placeholder)
        ByteBuffer b = ByteBuffer.allocate(12 + 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(0).put("WAVE".getBytes()).put("LIST".getBytes()).putInt(1000).putInt(0);
        expect(b.array(), "runs past the end");
        byte[] dataFirst = new byte[12 + 8 + 2];
        System.arraycopy(good, 0, dataFirst, 0, 12);
        System.arraycopy("data".getBytes(), 0, dataFirst, 12, 4);
        dataFirst[16] = 2;
        expect(dataFirst, "data chunk before its fmt chunk");
        for (float notAudio : new float[] {Float.NaN, Float.POSITIVE_INFINITY, -1e4f}) {
            ByteBuffer f = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.5f).putFloat(notAudio);
            expect(wav(3, 1, 8000, 32, f.array()), "WAV float sample 1 of channel 0 is " + notAudio);
        }
        ByteBuffer loud = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(-SpeechAudio.MAX_FLOAT_SAMPLE);
        assertEquals(-SpeechAudio.MAX_FLOAT_SAMPLE, assertDoesNotFail(wav(3, 1, 8000, 32, loud.array())).samples()[0]);
    }

    @Test
    void mutatedEspeakOutputIsReadOrRefusedWithAnIOExceptionNeverAnotherError() throws IOException {
        // a cheap stand-in for fuzzing: bit flips, byte changes in the headers, truncations
        byte[] original = resource("seven-espeak.wav");
        SplittableRandom r = new SplittableRandom(11);
        int read = 0, refused = 0;
        for (int trial = 0; trial < 3000; trial++) {
            byte[] bytes = Arrays.copyOf(original, trial % 3 == 0 ? r.nextInt(original.length + 1) : original.length);
            for (int k = r.nextInt(1, 5); k > 0 && bytes.length > 0; k--) {
                int at = r.nextBoolean() ? r.nextInt(Math.min(64, bytes.length)) : r.nextInt(bytes.length);
                bytes[at] = r.nextBoolean() ? (byte) r.nextInt(256) : (byte) (bytes[at] ^ (1 << r.nextInt(8)));
            }
            try {
                SpeechAudio.Pcm pcm = SpeechAudio.readWav(bytes);
                assertTrue(pcm.samples().length <= bytes.length, "no more samples than bytes");
                read++;
            } catch (IOException e) {
                refused++;
            }
        }
        assertTrue(read > 0 && refused > 0, read + " read, " + refused + " refused");
    }

    private static SpeechAudio.Pcm assertDoesNotFail(byte[] bytes) {
        try {
            return SpeechAudio.readWav(bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void expect(byte[] bytes, String message) {
        IOException e = assertThrows(IOException.class, () -> SpeechAudio.readWav(bytes));
        assertTrue(e.getMessage().contains(message), "expected \"" + message + "\" in: " + e.getMessage());
    }

    /** A canonical WAV: RIFF, fmt (16 bytes), data. */
    static byte[] wav(int format, int channels, int rate, int bits, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(44 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + data.length).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) format).putShort((short) channels).putInt(rate)
                .putInt(rate * channels * bits / 8).putShort((short) (channels * bits / 8)).putShort((short) bits);
        b.put("data".getBytes()).putInt(data.length).put(data);
        return b.array();
    }

    @Test
    void readsStereoAnd8BitAndFloat() throws IOException {
        ByteBuffer stereo = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        stereo.putShort((short) 16384).putShort((short) 0).putShort((short) -32768).putShort((short) -32768);
        SpeechAudio.Pcm pcm = SpeechAudio.readWav(wav(1, 2, 8000, 16, stereo.array()));
        assertEquals(2, pcm.samples().length);
        assertEquals(0.25, pcm.samples()[0], 1e-7);                   // (0.5 + 0) / 2
        assertEquals(-1.0, pcm.samples()[1], 1e-7);
        assertEquals(0.5, SpeechAudio.readWav(wav(1, 1, 8000, 8, new byte[] {(byte) 192})).samples()[0], 1e-7);
        ByteBuffer f = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(-0.75f);
        assertEquals(-0.75, SpeechAudio.readWav(wav(3, 1, 8000, 32, f.array())).samples()[0], 1e-7);
    }

    @Test
    void resamplingAgreesWithScipysResamplePoly() throws IOException {
        // seven-16k.wav is seven-espeak.wav through scipy.signal.resample_poly(x, 320, 441), a different
        // (Kaiser) filter, rounded to 16 bits: scripts/speech_features_reference.py
        float[] x = SpeechAudio.readWav(resource("seven-espeak.wav")).samples();
        float[] ours = SpeechAudio.resample(x, 22050, 16000);
        float[] scipy = SpeechAudio.readWav(resource("seven-16k.wav")).samples();
        assertEquals(scipy.length, ours.length, 1);                    // scipy rounds the length up, we round it
        double diff = 0, power = 0;
        for (int i = 0; i < Math.min(ours.length, scipy.length); i++) {
            diff += (ours[i] - scipy[i]) * (double) (ours[i] - scipy[i]);
            power += scipy[i] * (double) scipy[i];
        }
        double relative = Math.sqrt(diff / power);
        // the filters differ above 7 kHz: ours is cut off at 0.95 x 8 kHz, scipy's is centred on 8 kHz, and
        // 9% of this recording's amplitude below 8 kHz lies in 7-8 kHz; measured 0.026
        System.out.printf("resample 22050 -> 16000 vs scipy resample_poly: relative RMS difference %.2e%n", relative);
        assertTrue(relative < 0.05, "relative RMS difference " + relative);
        // what the features see agrees where both filters pass: every mel band that ends (where the next is
        // centred) below 6 kHz; log differences are largest in quiet frames
        SpeechFeatures features = new SpeechFeatures(SpeechFeatures.DEFAULT);
        float[][] a = features.logMel(ours), b = features.logMel(scipy);
        double[] centres = features.centres();
        double worst = 0, sum = 0;
        int n = 0;
        for (int t = 0; t < Math.min(a.length, b.length); t++) {
            for (int band = 0; band + 1 < centres.length && centres[band + 1] < 6000; band++, n++) {
                worst = Math.max(worst, Math.abs(a[t][band] - b[t][band]));
                sum += Math.abs(a[t][band] - b[t][band]);
            }
        }
        System.out.printf("log-mel of both, bands below 6 kHz: mean difference %.4f, largest %.3f%n", sum / n, worst);
        assertTrue(sum / n < 0.01, "mean log-mel difference below 6 kHz " + sum / n);
        assertTrue(worst < 0.5, "largest log-mel difference below 6 kHz " + worst);
    }

    @Test
    void resamplingKeepsAToneAndRemovesWhatWouldAlias() {
        for (double hz : new double[] {440, 3000, 6000}) {             // the passband: flat to 6 kHz (7 kHz is in the roll-off)
            float[] out = SpeechAudio.resample(tone(hz, 22050, 22050), 22050, 16000);
            assertEquals(16000, out.length);
            double worst = 0;
            for (int i = 1000; i < out.length - 1000; i++) {           // away from the edges
                worst = Math.max(worst, Math.abs(out[i] - Math.sin(2 * Math.PI * hz * i / 16000)));
            }
            assertTrue(worst < 2e-3, hz + " Hz: largest error " + worst);
        }
        float[] high = SpeechAudio.resample(tone(9500, 22050, 22050), 22050, 16000);   // above 8 kHz: would alias to 6.5 kHz
        double rms = 0;
        for (int i = 1000; i < high.length - 1000; i++) {
            rms += high[i] * (double) high[i];
        }
        rms = Math.sqrt(rms / (high.length - 2000));
        assertTrue(rms < 1e-3, "9.5 kHz tone left an RMS of " + rms + " after downsampling to 16 kHz");
        float[] up = SpeechAudio.resample(tone(1000, 8000, 8000), 8000, 16000);
        assertEquals(16000, up.length);
        assertEquals(Math.sin(2 * Math.PI * 1000 * 8001 / 16000), up[8001], 2e-3);
    }

    static float[] tone(double hz, int rate, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.sin(2 * Math.PI * hz * i / rate);
        }
        return x;
    }
}
