package dev.panamarnn.examples;

import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.data.TimeSeries;
import dev.panamarnn.examples.support.EmbeddedData;
import dev.panamarnn.infer.Forecaster;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.Precision;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.model.ForecastMetrics;
import dev.panamarnn.model.SequenceModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The task metrics of the shipped tasks' models in float32 and in int8 and bf16 (docs/quantization.md),
 * on the streaming path, and how far the reduced-precision outputs are from the float32 ones:
 * <ul>
 *   <li>text (a model of {@code rnn train text} on the embedded King James Bible): bits per character
 *       over the first N characters of the held-out tail, read as one stream, and the max and mean
 *       |logit_reduced - logit_float32| over every step and class, and how often the arg-max differs;</li>
 *   <li>series (a model of {@code rnn train series} on the embedded sunspot numbers): MASE (season
 *       12) of the rolling one-step forecasts of the held-out tail and of the fed-back multi-step
 *       forecast, and the max and mean |forecast_reduced - forecast_float32|.</li>
 * </ul>
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp cli/target/rnn.jar dev.panamarnn.examples.QuantizationAccuracy \
 *      text=rnn-text/model.safetensors series=rnn-series/series.safetensors [characters=100000] [holdout=120] [period=12]
 * </pre>
 */
public final class QuantizationAccuracy {
    private QuantizationAccuracy() {}

    public static void main(String[] args) throws Exception {
        String text = option(args, "text", null), series = option(args, "series", null);
        if (text == null && series == null) {
            throw new IllegalArgumentException("give text=<model of rnn train text> and/or series=<model of rnn train series>");
        }
        if (text != null) {
            for (Precision precision : new Precision[] {Precision.INT8, Precision.BF16}) {
                text(Path.of(text), Integer.parseInt(option(args, "characters", "100000")), precision);
            }
        }
        if (series != null) {
            for (Precision precision : new Precision[] {Precision.INT8, Precision.BF16}) {
                series(Path.of(series), Integer.parseInt(option(args, "holdout", "120")), Integer.parseInt(option(args, "period", "12")), precision);
            }
        }
    }

    private static void text(Path file, int characters, Precision precision) throws Exception {
        TextCorpus corpus = TextCorpus.of(EmbeddedData.kjv(), 0.05);            // the split rnn train text uses
        int n = Math.min(characters, corpus.validationLength());
        int[] tail = Arrays.copyOfRange(corpus.tokens(), corpus.validationStart(), corpus.validationStart() + n);
        try (SequenceModel model = SequenceModel.load(file);
             InferenceModel float32 = InferenceModel.of(model);
             InferenceModel reduced = InferenceModel.of(model, precision);
             StreamState a = float32.newStream();
             StreamState b = reduced.newStream()) {
            if (!model.spec().classNames().equals(corpus.vocabulary().characters())) {
                throw new IllegalArgumentException(file + " is not a character model of the embedded corpus");
            }
            int v = float32.outputSize();
            float[] la = new float[v], lb = new float[v];
            double bitsA = 0, bitsB = 0, maxDev = 0, sumDev = 0;
            long argmaxDiffers = 0;
            for (int t = 0; t + 1 < n; t++) {
                a.step(tail[t], la);
                b.step(tail[t], lb);
                bitsA += bits(la, tail[t + 1]);
                bitsB += bits(lb, tail[t + 1]);
                for (int j = 0; j < v; j++) {
                    double d = Math.abs(la[j] - lb[j]);
                    maxDev = Math.max(maxDev, d);
                    sumDev += d;
                }
                argmaxDiffers += argmax(la) != argmax(lb) ? 1 : 0;
            }
            int steps = n - 1;
            double bpcA = bitsA / steps, bpcB = bitsB / steps;
            System.out.printf(Locale.ROOT, "text %s (%s H=%d L=%d), %s: %,d characters of the held-out tail, one stream%n", file,
                    model.spec().cell().id(), model.spec().hiddenSize(), model.spec().layers(), precision, steps);
            System.out.printf(Locale.ROOT, "  bits per character: float32 %.5f, %s %.5f (%+.3f%%)%n", bpcA, precision, bpcB,
                    100 * (bpcB - bpcA) / bpcA);
            System.out.printf(Locale.ROOT, "  logits |%s - float32|: max %.5f, mean %.6f; arg-max differs at %d of %d steps (%.3f%%)%n",
                    precision, maxDev, sumDev / ((double) steps * v), argmaxDiffers, steps, 100.0 * argmaxDiffers / steps);
        }
    }

    /** -log2 softmax(logits)[target], stable. */
    private static double bits(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return (Math.log(sum) + max - logits[target]) / Math.log(2);
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int j = 1; j < values.length; j++) {
            best = values[j] > values[best] ? j : best;
        }
        return best;
    }

    private static void series(Path file, int holdout, int period, Precision precision) throws Exception {
        TimeSeries sunspots = EmbeddedData.series("sunspot_month.csv");           // rnn train series' default series
        double[] values = sunspots.values();
        double[] history = Arrays.copyOf(values, values.length - holdout);
        double[] truth = Arrays.copyOfRange(values, values.length - holdout, values.length);
        try (SequenceModel model = SequenceModel.load(file);
             Forecaster float32 = new Forecaster(model, Precision.FLOAT32);
             Forecaster reduced = new Forecaster(model, precision)) {
            double[] rollingA = float32.oneStepForecasts(history, truth), rollingB = reduced.oneStepForecasts(history, truth);
            double[] multiA = float32.forecast(history, holdout), multiB = reduced.forecast(history, holdout);
            System.out.printf(Locale.ROOT, "series %s (%s H=%d L=%d), %s: %d held-out values after %d, season %d%n", file,
                    model.spec().cell().id(), model.spec().hiddenSize(), model.spec().layers(), precision, holdout, history.length, period);
            report("rolling 1-step", truth, rollingA, rollingB, history, period, precision);
            report(holdout + "-step fed back", truth, multiA, multiB, history, period, precision);
        }
    }

    private static void report(String what, double[] truth, double[] a, double[] b, double[] history, int period, Precision precision) {
        ForecastMetrics.Errors ea = ForecastMetrics.errors(truth, a, history, period), eb = ForecastMetrics.errors(truth, b, history, period);
        double max = 0, sum = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
            sum += Math.abs(a[i] - b[i]);
        }
        System.out.printf(Locale.ROOT, "  %-18s MASE float32 %.5f, %s %.5f (%+.3f%%); |%s - float32| max %.4f, mean %.5f (series units)%n",
                what, ea.mase(), precision, eb.mase(), 100 * (eb.mase() - ea.mase()) / ea.mase(), precision, max, sum / a.length);
    }

    static String option(String[] args, String name, String fallback) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return fallback;
    }
}
