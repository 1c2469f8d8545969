package dev.panamarnn.examples.experiment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Audio for the speech lab: a bounds-checked reader of RIFF/WAVE bytes (PCM, 8/16/24/32-bit
 * integer or 32-bit float, any channel count, mixed down to mono) and a windowed-sinc resampler.
 * WAV bytes come from another program (espeak-ng) and are treated as untrusted: every chunk size
 * is checked against the bytes actually there before it is read.
 * <p>
 * espeak-ng writing to a pipe ({@code --stdout}) cannot seek back to fill in the sizes, so it
 * writes placeholders (RIFF size 0x7FFFF024, data size 0x7FFFF000). The reader accepts a data
 * chunk whose stated size runs past the end <em>only</em> when it is the last chunk, and then reads
 * the whole frames that are there. This file only reads and resamples; features are SpeechFeatures.
 */
public final class SpeechAudio {
    /** The most samples per channel a WAV may hold here: 10 minutes at 48 kHz. */
    public static final int MAX_FRAMES = 10 * 60 * 48_000;

    private SpeechAudio() {}

    /**
     * Mono samples at {@code sampleRate} Hz: in [-1, 1) from integer PCM; from float PCM within
     * +-{@value #MAX_FLOAT_SAMPLE}, usually within [-1, 1].
     */
    public record Pcm(float[] samples, int sampleRate) {
        public double seconds() {
            return samples.length / (double) sampleRate;
        }
    }

    /**
     * Reads WAV bytes; an IOException names what is wrong ("not a RIFF file", "truncated fmt chunk",
     * a float sample that is NaN, infinite or beyond +-{@value #MAX_FLOAT_SAMPLE}, ...).
     */
    public static Pcm readWav(byte[] bytes) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12 || !tag(bytes, 0).equals("RIFF") || !tag(bytes, 8).equals("WAVE")) {
            throw new IOException("not a WAV file: it does not start with RIFF....WAVE (" + bytes.length + " bytes)");
        }
        int format = -1, channels = 0, rate = 0, bits = 0, blockAlign = 0;
        int pos = 12;
        while (pos + 8 <= bytes.length) {
            String id = tag(bytes, pos);
            long size = Integer.toUnsignedLong(in.getInt(pos + 4));
            int body = pos + 8;
            long available = bytes.length - (long) body;
            if (id.equals("fmt ")) {
                if (size < 16 || size > available) {
                    throw new IOException("WAV fmt chunk of " + size + " bytes, " + available + " there (need 16 or more)");
                }
                format = Short.toUnsignedInt(in.getShort(body));
                channels = Short.toUnsignedInt(in.getShort(body + 2));
                rate = in.getInt(body + 4);
                blockAlign = Short.toUnsignedInt(in.getShort(body + 12));
                bits = Short.toUnsignedInt(in.getShort(body + 14));
                if (format == 0xFFFE && size >= 26) {              // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
                    format = Short.toUnsignedInt(in.getShort(body + 24));
                }
            } else if (id.equals("data")) {
                if (format < 0) {
                    throw new IOException("WAV data chunk before its fmt chunk");
                }
                checkFormat(format, channels, rate, bits, blockAlign);
                long length = Math.min(size, available);          // a streaming writer's placeholder size: what is there
                long frames = length / blockAlign;
                if (frames > MAX_FRAMES) {
                    throw new IOException("WAV of " + frames + " frames, more than the " + MAX_FRAMES + " allowed");
                }
                return new Pcm(decode(in, body, (int) frames, format, channels, bits, blockAlign), rate);
            }
            if (size > available) {
                throw new IOException("WAV chunk '" + printable(id) + "' of " + size + " bytes runs past the end (" + available + " there)");
            }
            pos = body + (int) size + (int) (size & 1);           // chunks are padded to an even size
        }
        throw new IOException(format < 0 ? "WAV file without a fmt chunk" : "WAV file without a data chunk");
    }

    private static void checkFormat(int format, int channels, int rate, int bits, int blockAlign) throws IOException {
        boolean pcm = format == 1 && (bits == 8 || bits == 16 || bits == 24 || bits == 32);
        boolean ieee = format == 3 && bits == 32;
        if (!pcm && !ieee) {
            throw new IOException("unsupported WAV encoding: format tag " + format + ", " + bits
                    + " bits (supported: integer PCM of 8, 16, 24 or 32 bits, 32-bit float)");
        }
        if (channels < 1 || channels > 16) {
            throw new IOException("WAV with " + channels + " channels (1 to 16 supported)");
        }
        if (rate < 1000 || rate > 384_000) {
            throw new IOException("WAV sample rate " + rate + " Hz (1000 to 384000 supported)");
        }
        if (blockAlign != channels * (bits / 8)) {
            throw new IOException("WAV block align " + blockAlign + " does not match " + channels + " channels of " + bits + " bits");
        }
    }

    private static float[] decode(ByteBuffer in, int offset, int frames, int format, int channels, int bits, int blockAlign)
            throws IOException {
        float[] out = new float[frames];
        int bytes = bits / 8;
        for (int i = 0; i < frames; i++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                int p = offset + i * blockAlign + c * bytes;
                sum += switch (bits) {
                    case 8 -> (Byte.toUnsignedInt(in.get(p)) - 128) / 128.0;   // 8-bit WAV is unsigned
                    case 16 -> in.getShort(p) / 32768.0;
                    case 24 -> ((in.get(p) & 0xFF) | (in.get(p + 1) & 0xFF) << 8 | in.get(p + 2) << 16) / 8388608.0;
                    default -> format == 3 ? audible(in.getFloat(p), i, c) : in.getInt(p) / 2147483648.0;
                };
            }
            out[i] = (float) (sum / channels);
        }
        return out;
    }

    /**
     * The largest magnitude of a float sample: 60 dB above full scale. Beyond it (or NaN, infinite)
     * the bytes are not audio, and would reach the resampler, the features and the loss as overflow.
     */
    public static final float MAX_FLOAT_SAMPLE = 1000f;

    private static float audible(float sample, int frame, int channel) throws IOException {
        if (!(Math.abs(sample) <= MAX_FLOAT_SAMPLE)) {
            throw new IOException("WAV float sample " + frame + " of channel " + channel + " is " + sample + " (expected a finite value within +-"
                    + MAX_FLOAT_SAMPLE + ")");
        }
        return sample;
    }

    private static String tag(byte[] bytes, int at) {
        return new String(bytes, at, 4, StandardCharsets.ISO_8859_1);
    }

    private static String printable(String id) {
        return id.chars().allMatch(c -> c >= 32 && c < 127) ? id : "(binary)";
    }

    private static final int MAX_PHASES = 8192;

    /** Half-width of the resampling kernel in zero crossings of the lower rate's sinc. */
    static final int SINC_ZEROS = 16;

    /**
     * {@code x} at {@code from} Hz resampled to {@code to} Hz: band-limited interpolation with a
     * Hann-windowed sinc of {@value #SINC_ZEROS} zero crossings each side, cut off at 0.95 of the
     * lower Nyquist frequency (so downsampling 22,050 to 16,000 Hz removes what would alias).
     * Output length round(len * to / from). The same rate returns a copy.
     */
    public static float[] resample(float[] x, int from, int to) {
        if (from <= 0 || to <= 0) {
            throw new IllegalArgumentException("sample rates must be positive, got " + from + " and " + to);
        }
        if (from == to) {
            return x.clone();
        }
        int n = (int) Math.round(x.length * (double) to / from);
        float[] y = new float[n];
        double fc = 0.95 * Math.min(from, to) / 2 / from;        // cut-off in cycles per input sample
        double halfWidth = SINC_ZEROS / (2 * fc);                 // kernel half-width in input samples
        int taps = 2 * (int) Math.ceil(halfWidth);               // input samples base-K+1 .. base+K
        // output i sits at t = i * from / to input samples; its fraction t - floor(t) is one of
        // to / gcd phases, so the kernel is tabulated once per phase (polyphase): (phases, taps)
        int phases = to / gcd(from, to);
        double[][] kernel = new double[Math.min(phases, MAX_PHASES)][];
        for (int i = 0; i < n; i++) {
            long num = (long) i * from;                           // t = num / to
            int base = (int) (num / to);
            int phase = (int) (num % to) / (to / phases);
            double[] w;
            if (phases > MAX_PHASES) {                            // a rate pair with too many phases to tabulate
                w = kernel((num % to) / (double) to, taps, fc, halfWidth);
            } else {
                if (kernel[phase] == null) {
                    kernel[phase] = kernel((num % to) / (double) to, taps, fc, halfWidth);
                }
                w = kernel[phase];
            }
            int first = base - taps / 2 + 1;
            double sum = 0;
            for (int j = Math.max(0, -first); j < taps && first + j < x.length; j++) {
                sum += x[first + j] * w[j];
            }
            y[i] = (float) sum;
        }
        return y;
    }

    /** Weights of input samples base-K+1 .. base+K for an output at base + frac (K = taps / 2). */
    private static double[] kernel(double frac, int taps, double fc, double halfWidth) {
        double[] w = new double[taps];
        for (int j = 0; j < taps; j++) {
            double d = (j - taps / 2 + 1) - frac;                 // distance from the output, in input samples
            if (Math.abs(d) >= halfWidth) {
                continue;
            }
            double sinc = d == 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * d) / (Math.PI * d);
            w[j] = sinc * (0.5 + 0.5 * Math.cos(Math.PI * d / halfWidth));
        }
        return w;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
