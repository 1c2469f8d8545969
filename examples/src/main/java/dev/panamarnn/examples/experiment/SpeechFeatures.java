package dev.panamarnn.examples.experiment;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Log-mel spectrograms for the speech lab. Per frame:
 * <ol>
 *   <li>{@code window} samples (25 ms at 16 kHz: 400) every {@code hop} samples (10 ms: 160); the
 *       last frame is the last one that fits whole (no padding, no centring: T = 1 + (N - window) /
 *       hop, and one all-zero-padded frame when N &lt; window);</li>
 *   <li>times a periodic Hann window w[n] = 0.5 - 0.5 cos(2 pi n / window) (as torch.hann_window);</li>
 *   <li>zero-padded at the end to {@code fftSize} (512) and transformed by JTransforms' real FFT;
 *       power |X_k|^2 for k = 0 .. fftSize/2 (no 1/N scaling);</li>
 *   <li>{@code bands} (40) triangular mel filters on the HTK mel scale, mel(f) = 2595 log10(1 + f / 700),
 *       with {@code bands + 2} edges equally spaced in mel from {@code fMin} to {@code fMax}, each
 *       triangle rising from its left edge to 1 at its centre and falling to 0 at its right edge,
 *       evaluated at the bin frequencies k * rate / fftSize, unnormalised (peak 1; torchaudio's
 *       {@code melscale_fbanks(..., norm=None, mel_scale="htk")});</li>
 *   <li>log(mel energy + {@value #LOG_EPS}), natural log.</li>
 * </ol>
 * Normalisation (per utterance or with the training set's statistics) is
 * {@link SpeechDataset#normalised}. scripts/speech_features_reference.py computes the same in
 * numpy; SpeechFeaturesTest compares the two on a committed WAV.
 */
public final class SpeechFeatures {
    /** Added to the mel energy before the log, so silence (digital zero) gives log(1e-6), not -inf. */
    public static final double LOG_EPS = 1e-6;

    /** The parameters; {@link #DEFAULT} is 16 kHz, 25 ms / 10 ms, 512-point FFT, 40 bands, 0 to 8000 Hz. */
    public record Config(int sampleRate, int window, int hop, int fftSize, int bands, double fMin, double fMax) {
        public Config {
            if (sampleRate <= 0 || window <= 0 || hop <= 0 || bands <= 0) {
                throw new IllegalArgumentException("sample rate, window, hop and bands must be positive, got "
                        + sampleRate + ", " + window + ", " + hop + ", " + bands);
            }
            if (fftSize < window) {
                throw new IllegalArgumentException("fftSize " + fftSize + " is shorter than the window " + window);
            }
            if (!(0 <= fMin && fMin < fMax && fMax <= sampleRate / 2.0)) {
                throw new IllegalArgumentException("need 0 <= fMin < fMax <= rate/2, got " + fMin + ", " + fMax + " at " + sampleRate + " Hz");
            }
        }

        /** The same with {@code bands} mel filters. */
        public Config withBands(int bands) {
            return new Config(sampleRate, window, hop, fftSize, bands, fMin, fMax);
        }

        /** Frames in {@code samples} samples: 1 + (N - window) / hop, at least 1. */
        public int frames(int samples) {
            return samples < window ? 1 : 1 + (samples - window) / hop;
        }

        /** A stable text for cache keys. */
        String key() {
            return "rate=" + sampleRate + ",window=" + window + ",hop=" + hop + ",fft=" + fftSize + ",bands=" + bands
                    + ",fmin=" + fMin + ",fmax=" + fMax + ",hann=periodic,mel=htk,norm=none,log-eps=" + LOG_EPS;
        }
    }

    public static final Config DEFAULT = new Config(16_000, 400, 160, 512, 40, 0, 8000);

    private final Config config;
    private final double[] hann;              // (window)
    private final double[][] filters;         // (bands, fftSize/2 + 1)
    private final int[] first, last;          // (bands): the nonzero bins of each filter, inclusive
    private final DoubleFFT_1D fft;

    public SpeechFeatures(Config config) {
        this.config = config;
        hann = new double[config.window()];
        for (int n = 0; n < hann.length; n++) {
            hann[n] = 0.5 - 0.5 * Math.cos(2 * Math.PI * n / config.window());
        }
        filters = melFilters(config);
        first = new int[config.bands()];
        last = new int[config.bands()];
        for (int b = 0; b < config.bands(); b++) {
            first[b] = filters[b].length;
            last[b] = -1;
            for (int k = 0; k < filters[b].length; k++) {
                if (filters[b][k] != 0) {
                    first[b] = Math.min(first[b], k);
                    last[b] = k;
                }
            }
        }
        fft = new DoubleFFT_1D(config.fftSize());
    }

    public Config config() {
        return config;
    }

    /** HTK mel of {@code hz}: 2595 log10(1 + hz / 700). */
    public static double hzToMel(double hz) {
        return 2595 * Math.log10(1 + hz / 700);
    }

    public static double melToHz(double mel) {
        return 700 * (Math.pow(10, mel / 2595) - 1);
    }

    /** The centre frequency (Hz) of each mel band, ascending. */
    public double[] centres() {
        double[] c = new double[config.bands()];
        double lo = hzToMel(config.fMin()), hi = hzToMel(config.fMax());
        for (int b = 0; b < c.length; b++) {
            c[b] = melToHz(lo + (hi - lo) * (b + 1) / (config.bands() + 1));
        }
        return c;
    }

    /** The filterbank, (bands, fftSize/2 + 1): a copy. */
    public double[][] filters() {
        double[][] copy = new double[filters.length][];
        for (int b = 0; b < filters.length; b++) {
            copy[b] = filters[b].clone();
        }
        return copy;
    }

    static double[][] melFilters(Config c) {
        int bins = c.fftSize() / 2 + 1;
        double lo = hzToMel(c.fMin()), hi = hzToMel(c.fMax());
        double[] edges = new double[c.bands() + 2];                       // Hz
        for (int i = 0; i < edges.length; i++) {
            edges[i] = melToHz(lo + (hi - lo) * i / (c.bands() + 1));
        }
        double[][] f = new double[c.bands()][bins];
        for (int b = 0; b < c.bands(); b++) {
            double left = edges[b], centre = edges[b + 1], right = edges[b + 2];
            for (int k = 0; k < bins; k++) {
                double hz = k * (double) c.sampleRate() / c.fftSize();
                double up = (hz - left) / (centre - left), down = (right - hz) / (right - centre);
                f[b][k] = Math.max(0, Math.min(up, down));
            }
        }
        return f;
    }

    /**
     * The power spectrum |X_k|^2, k = 0 .. fftSize/2, of {@code frame} (at most fftSize samples,
     * zero-padded at the end), without a window. Parseval: sum x^2 = (P_0 + P_{N/2} + 2 sum_{0<k<N/2} P_k) / N.
     */
    public double[] powerSpectrum(double[] frame) {
        int n = config.fftSize();
        if (frame.length > n) {
            throw new IllegalArgumentException("frame of " + frame.length + " samples, more than fftSize " + n);
        }
        double[] a = new double[n];
        System.arraycopy(frame, 0, a, 0, frame.length);
        fft.realForward(a);
        // JTransforms' packing for even n: a[0] = Re X_0, a[1] = Re X_{n/2}, a[2k], a[2k+1] = Re, Im X_k
        double[] p = new double[n / 2 + 1];
        p[0] = a[0] * a[0];
        p[n / 2] = a[1] * a[1];
        for (int k = 1; k < n / 2; k++) {
            p[k] = a[2 * k] * a[2 * k] + a[2 * k + 1] * a[2 * k + 1];
        }
        return p;
    }

    /** Mel energies (before the log) of each frame: (T, bands). */
    public double[][] melEnergies(float[] samples) {
        int frames = config.frames(samples.length);
        double[][] out = new double[frames][];
        double[] frame = new double[config.window()];
        for (int t = 0; t < frames; t++) {
            int start = t * config.hop();
            for (int n = 0; n < frame.length; n++) {
                frame[n] = start + n < samples.length ? samples[start + n] * hann[n] : 0;
            }
            double[] p = powerSpectrum(frame);
            double[] mel = new double[config.bands()];
            for (int b = 0; b < mel.length; b++) {
                double sum = 0;
                for (int k = first[b]; k <= last[b]; k++) {
                    sum += filters[b][k] * p[k];
                }
                mel[b] = sum;
            }
            out[t] = mel;
        }
        return out;
    }

    /** The log-mel spectrogram of {@code samples} (at the config's rate): (T, bands), unnormalised. */
    public float[][] logMel(float[] samples) {
        double[][] mel = melEnergies(samples);
        float[][] out = new float[mel.length][config.bands()];
        for (int t = 0; t < mel.length; t++) {
            for (int b = 0; b < config.bands(); b++) {
                out[t][b] = (float) Math.log(mel[t][b] + LOG_EPS);
            }
        }
        return out;
    }
}
