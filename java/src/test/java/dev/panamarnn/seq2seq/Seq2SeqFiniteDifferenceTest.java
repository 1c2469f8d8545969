package dev.panamarnn.seq2seq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Slab;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every parameter's gradient from {@link Seq2SeqPass#forwardBackward} (float32, Java kernels)
 * against central finite differences of {@link Seq2SeqReference} (float64), element by element, on
 * tiny models with padded sources and targets of different lengths; and the pass's loss against the
 * reference's.
 */
class Seq2SeqFiniteDifferenceTest {
    static final int[][] SOURCES = {{1, 4, 2, 3}, {0, 2}, {3}};
    static final int[][] TARGETS = {{3, 4, 2}, {4, 3, 3, 4, 2}, {2}};

    @ParameterizedTest(name = "{0}, {1} layer(s), bidirectional {2}")
    @CsvSource({"lstm, 1, true", "gru, 2, false", "lstm, 2, false", "gru, 1, true"})
    void everyGradientMatchesFiniteDifferences(String cell, int layers, boolean bidirectional) {
        Seq2SeqConfig config = new Seq2SeqConfig(CellType.fromId(cell), 5, 5, 3, 3, layers, bidirectional, 1, 2, 7);
        try (Seq2Seq model = Seq2Seq.create(config, KernelsForTests.java());
             Seq2SeqPass pass = model.pass(4, 5, 3)) {
            Slab params = model.parameters();
            params.tensors().values().forEach(t -> {            // wider than the init: attention far from uniform
                for (long i = 0; i < t.size(); i++) {
                    t.set(i, t.get(i) * 1.5f);
                }
            });
            model.gradients().zero();
            pass.load(SOURCES, TARGETS);
            double loss = pass.forwardBackward();
            Map<String, double[]> values = new LinkedHashMap<>();
            params.tensors().forEach((name, t) -> {
                float[] f = t.toArray();
                double[] v = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    v[i] = f[i];
                }
                values.put(name, v);
            });
            Seq2SeqReference reference = new Seq2SeqReference(config, values);
            double referenceLoss = reference.loss(SOURCES, TARGETS);
            assertEquals(referenceLoss, loss, 1e-5, "loss against the float64 reference");
            double eps = 1e-6, worst = 0;
            String where = "";
            int checked = 0;
            for (Map.Entry<String, double[]> e : values.entrySet()) {
                float[] analytic = model.gradients().get(e.getKey()).toArray();
                double[] v = e.getValue();
                for (int i = 0; i < v.length; i++) {
                    double keep = v[i];
                    v[i] = keep + eps;
                    double plus = reference.loss(SOURCES, TARGETS);
                    v[i] = keep - eps;
                    double minus = reference.loss(SOURCES, TARGETS);
                    v[i] = keep;
                    double numeric = (plus - minus) / (2 * eps);
                    double diff = Math.abs(numeric - analytic[i]);
                    if (diff > worst) {
                        worst = diff;
                        where = e.getKey() + "[" + i + "] numeric " + numeric + " analytic " + analytic[i];
                    }
                    checked++;
                }
            }
            System.out.printf("seq2seq finite differences %s L=%d bi=%b: %d parameters, loss %.8f (reference %.8f), max |diff| %.2e at %s%n",
                    cell, layers, bidirectional, checked, loss, referenceLoss, worst, where);
            assertTrue(worst < 1e-5, "worst gradient difference " + worst + " at " + where);
        }
    }
}
