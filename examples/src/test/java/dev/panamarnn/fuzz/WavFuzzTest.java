package dev.panamarnn.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.panamarnn.examples.experiment.SpeechAudio;
import java.io.IOException;

/**
 * Fuzzes {@link SpeechAudio#readWav} (the speech lab's reader of the WAV bytes espeak-ng writes)
 * with the bytes of a whole file, then resamples what it accepted to 16 kHz. Property: the bytes
 * load as mono samples at a supported rate (1,000 to 384,000 Hz), no more frames than
 * the file has bytes or than {@link SpeechAudio#MAX_FRAMES}, every sample finite; or they are refused
 * with the documented {@link IOException}. Resampled, the length is round(n * 16000 / rate) and every
 * sample finite. Anything else (another exception, an overflow, a NaN) is a finding. Seeds:
 * WavFuzzTestInputs/fuzz/ (docs/fuzzing.md).
 */
class WavFuzzTest {
    /** Resampling is tried on outputs up to this many samples, so an execution stays short. */
    private static final int RESAMPLED_AT_MOST = 20_000;

    @FuzzTest(maxDuration = "20s")
    void fuzz(byte[] file) {
        SpeechAudio.Pcm pcm;
        try {
            pcm = SpeechAudio.readWav(file);
        } catch (IOException documented) {
            return;
        }
        float[] samples = pcm.samples();
        assertTrue(pcm.sampleRate() >= 1000 && pcm.sampleRate() <= 384_000, "rate " + pcm.sampleRate());
        assertTrue(samples.length <= file.length && samples.length <= SpeechAudio.MAX_FRAMES, samples.length + " frames");
        for (int i = 0; i < samples.length; i++) {
            assertTrue(Float.isFinite(samples[i]), "sample " + i + " is " + samples[i]);
        }
        if (samples.length <= RESAMPLED_AT_MOST) {
            float[] resampled = SpeechAudio.resample(samples, pcm.sampleRate(), 16_000);
            assertEquals(Math.round(samples.length * 16_000.0 / pcm.sampleRate()), resampled.length);
            for (int i = 0; i < resampled.length; i++) {
                assertTrue(Float.isFinite(resampled[i]), "resampled sample " + i + " is " + resampled[i]);
            }
        }
    }
}
