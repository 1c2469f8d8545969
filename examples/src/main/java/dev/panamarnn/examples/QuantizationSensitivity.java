package dev.panamarnn.examples;

import dev.panamarnn.data.TimeSeries;
import dev.panamarnn.examples.support.EmbeddedData;
import dev.panamarnn.infer.Forecaster;
import dev.panamarnn.infer.Precision;
import dev.panamarnn.model.ForecastMetrics;
import dev.panamarnn.model.SequenceModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How sensitive a series model's forecast MASE is to perturbations of the size int8 quantization
 * makes (docs/quantization.md, "Accuracy: the fed-back forecast's sensitivity"). For a model of
 * {@code rnn train series}, the MASE (season 12) of the rolling one-step and of the fed-back
 * multi-step forecast of the held-out tail, for:
 * <ul>
 *   <li>float32, int8 and bf16 (the streaming path, as {@link QuantizationAccuracy});</li>
 *   <li>float32 with W_ih and W_hh rounded as int8 stores them (per row s = max |w| / 127, w' = s *
 *       rne(w / s)) but float activations: the weights' share of int8's change;</li>
 *   <li>float32 with W_ih and W_hh rounded to bf16 (nearest even), float activations;</li>
 *   <li>float32 with W_ih and W_hh perturbed at random by as much as int8's weight rounding moves them:
 *       w' = w + a s u, u uniform in [-1/2, 1/2), per weight, one draw per seed, for a = 1 (int8's
 *       rounding error's size and distribution), 1/4 and 1/16 — the spread of MASE changes a
 *       perturbation of each size gives.</li>
 * </ul>
 * Only the recurrent weights are changed; the model file is not.
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp cli/target/rnn.jar dev.panamarnn.examples.QuantizationSensitivity \
 *      series=rnn-series/series.safetensors [draws=20] [holdout=120] [period=12]
 * </pre>
 */
public final class QuantizationSensitivity {
    private QuantizationSensitivity() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(QuantizationAccuracy.option(args, "series", "rnn-series/series.safetensors"));
        int draws = Integer.parseInt(QuantizationAccuracy.option(args, "draws", "20"));
        int holdout = Integer.parseInt(QuantizationAccuracy.option(args, "holdout", "120"));
        int period = Integer.parseInt(QuantizationAccuracy.option(args, "period", "12"));
        double[] values = EmbeddedData.series("sunspot_month.csv").values();
        double[] history = Arrays.copyOf(values, values.length - holdout);
        double[] truth = Arrays.copyOfRange(values, values.length - holdout, values.length);
        try (SequenceModel model = SequenceModel.load(file)) {
            String[] names = recurrentWeights(model);
            float[][] original = new float[names.length][];
            for (int i = 0; i < names.length; i++) {
                original[i] = model.parameters().get(names[i]).toArray();
            }
            System.out.printf(Locale.ROOT, "series %s (%s H=%d L=%d): %d held-out values after %d, season %d; MASE rolling 1-step, %d-step fed back%n",
                    file, model.spec().cell().id(), model.spec().hiddenSize(), model.spec().layers(), holdout, history.length, period, holdout);
            double[] base = mase(model, Precision.FLOAT32, history, truth, period);
            print("float32", base, base);
            print("int8 (weights and activations)", mase(model, Precision.INT8, history, truth, period), base);
            print("bf16 (weights and activations)", mase(model, Precision.BF16, history, truth, period), base);
            set(model, names, original, QuantizationSensitivity::int8Rounded, 0);
            print("float32, weights rounded as int8", mase(model, Precision.FLOAT32, history, truth, period), base);
            set(model, names, original, QuantizationSensitivity::bf16Rounded, 0);
            print("float32, weights rounded to bf16", mase(model, Precision.FLOAT32, history, truth, period), base);
            for (float size : new float[] {1f, 0.25f, 0.0625f}) {
                double[][] changes = new double[2][draws];
                for (int d = 0; d < draws; d++) {
                    set(model, names, original, (w, cols, seed) -> perturbed(w, cols, seed, size), d + 1);
                    double[] m = mase(model, Precision.FLOAT32, history, truth, period);
                    for (int j = 0; j < 2; j++) {
                        changes[j][d] = 100 * (m[j] - base[j]) / base[j];
                    }
                }
                for (int j = 0; j < 2; j++) {
                    double[] c = changes[j].clone();
                    Arrays.sort(c);
                    double mean = Arrays.stream(c).average().orElse(Double.NaN);
                    double sd = Math.sqrt(Arrays.stream(c).map(v -> (v - mean) * (v - mean)).sum() / Math.max(1, draws - 1));
                    double meanAbs = Arrays.stream(c).map(Math::abs).average().orElse(Double.NaN);
                    System.out.printf(Locale.ROOT, "  float32 + random perturbation %.4f x int8's step, %d draws, %-16s MASE change min %+.2f%%, "
                            + "median %+.2f%%, max %+.2f%%, mean %+.2f%%, sd %.2f%%, mean |change| %.2f%%%n", size, draws,
                            (j == 0 ? "rolling 1-step" : holdout + "-step fed back") + ":", c[0], c[draws / 2], c[draws - 1], mean, sd, meanAbs);
                }
            }
        }
    }

    /** The recurrent stack's W_ih and W_hh by state_dict name (every layer and direction). */
    private static String[] recurrentWeights(SequenceModel model) {
        int layers = model.spec().layers();
        boolean both = model.spec().bidirectional();
        String[] names = new String[layers * 2 * (both ? 2 : 1)];
        int at = 0;
        for (int l = 0; l < layers; l++) {
            for (String suffix : both ? new String[] {"", "_reverse"} : new String[] {""}) {
                names[at++] = SequenceModel.RNN + "weight_ih_l" + l + suffix;
                names[at++] = SequenceModel.RNN + "weight_hh_l" + l + suffix;
            }
        }
        return names;
    }

    private interface Change {
        /** w (rows, cols) row-major, changed into a new array. */
        float[] apply(float[] w, int cols, long seed);
    }

    private static void set(SequenceModel model, String[] names, float[][] original, Change change, long seed) {
        for (int i = 0; i < names.length; i++) {
            int cols = model.parameters().get(names[i]).dim(1);
            model.setParameter(names[i], change.apply(original[i], cols, seed * 1000 + i));
        }
    }

    /** Per row: s = max |w| / 127, w' = s * rne(w / s), as Int8Rows quantizes a weight row (zero rows stay zero). */
    private static float[] int8Rounded(float[] w, int cols, long seed) {
        float[] out = new float[w.length];
        for (int r = 0; r * cols < w.length; r++) {
            float max = 0;
            for (int k = 0; k < cols; k++) {
                max = Math.max(max, Math.abs(w[r * cols + k]));
            }
            if (max == 0) {
                continue;
            }
            float inverse = 127f / max, scale = max / 127f;
            for (int k = 0; k < cols; k++) {
                out[r * cols + k] = (float) Math.rint(w[r * cols + k] * inverse) * scale;
            }
        }
        return out;
    }

    /** Each weight rounded to bf16 (8 significant bits), nearest even. */
    private static float[] bf16Rounded(float[] w, int cols, long seed) {
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            int bits = Float.floatToRawIntBits(w[i]);
            bits += 0x7fff + ((bits >>> 16) & 1);
            out[i] = Float.intBitsToFloat(bits & 0xffff0000);
        }
        return out;
    }

    /** Per row: w' = w + size s u, s = max |w| / 127 (the row's int8 step), u uniform in [-1/2, 1/2) per weight. */
    private static float[] perturbed(float[] w, int cols, long seed, float size) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[w.length];
        for (int r = 0; r * cols < w.length; r++) {
            float max = 0;
            for (int k = 0; k < cols; k++) {
                max = Math.max(max, Math.abs(w[r * cols + k]));
            }
            float scale = size * max / 127f;
            for (int k = 0; k < cols; k++) {
                out[r * cols + k] = w[r * cols + k] + scale * (float) (random.nextDouble() - 0.5);
            }
        }
        return out;
    }

    /** {rolling one-step MASE, fed-back multi-step MASE} of the model in a precision. */
    private static double[] mase(SequenceModel model, Precision precision, double[] history, double[] truth, int period) {
        try (Forecaster forecaster = new Forecaster(model, precision)) {
            double[] rolling = forecaster.oneStepForecasts(history, truth), fedBack = forecaster.forecast(history, truth.length);
            return new double[] {ForecastMetrics.errors(truth, rolling, history, period).mase(),
                    ForecastMetrics.errors(truth, fedBack, history, period).mase()};
        }
    }

    private static void print(String what, double[] mase, double[] base) {
        System.out.printf(Locale.ROOT, "  %-34s rolling 1-step %.5f (%+.2f%%), fed back %.5f (%+.2f%%)%n", what, mase[0],
                100 * (mase[0] - base[0]) / base[0], mase[1], 100 * (mase[1] - base[1]) / base[1]);
    }
}
