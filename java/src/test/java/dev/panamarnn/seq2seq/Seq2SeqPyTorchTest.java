package dev.panamarnn.seq2seq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The model against PyTorch (scripts/make_seq2seq_fixtures.py, computed in float64): logits,
 * attention weights, the loss and every parameter's gradient, on the Java and the native kernels.
 */
class Seq2SeqPyTorchTest {
    static final double TOLERANCE = 2e-5;

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Kernels k : KernelsForTests.both()) {
            for (String name : List.of("gru_uni_2layers", "lstm_bi_1layer")) {
                out.add(Arguments.of(name, k));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void matchesPyTorch(String name, Kernels kernels) {
        Seq2SeqFixture f = Seq2SeqFixture.load(name);
        try (Seq2Seq model = Seq2Seq.create(f.config(), kernels);
             Seq2SeqPass pass = model.pass(f.sourceSteps(), f.targetSteps(), f.batch())) {
            assertEquals(model.parameters().layout().entries().size(), f.params().size(), "parameter count");
            for (Map.Entry<String, float[]> p : f.params().entrySet()) {
                model.parameters().get(p.getKey()).copyFrom(p.getValue());
            }
            model.gradients().zero();
            pass.load(f.sources(), f.targets());
            double loss = pass.forwardBackward();
            double worst = 0;
            String where = "";
            double logitsDiff = maxDiff(pass.logits().toArray(), f.logits());
            double attentionDiff = maxDiff(pass.attentionWeights().toArray(), f.attention());
            for (Map.Entry<String, float[]> g : f.grads().entrySet()) {
                double diff = maxDiff(model.gradients().get(g.getKey()).toArray(), g.getValue());
                if (diff > worst) {
                    worst = diff;
                    where = g.getKey();
                }
            }
            System.out.printf("seq2seq %s on %s: loss %.7f (PyTorch %.7f), max |logits diff| %.2e, max |attention diff| %.2e,"
                    + " max |gradient diff| %.2e (%s)%n", name, kernels.name(), loss, f.loss(), logitsDiff, attentionDiff, worst, where);
            assertEquals(f.loss(), loss, TOLERANCE, "loss");
            assertTrue(logitsDiff < TOLERANCE, "logits differ by " + logitsDiff);
            assertTrue(attentionDiff < TOLERANCE, "attention differs by " + attentionDiff);
            assertTrue(worst < TOLERANCE, "gradient of " + where + " differs by " + worst);
        }
    }

    static double maxDiff(float[] a, float[] b) {
        assertEquals(b.length, a.length, "element count");
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }
}
