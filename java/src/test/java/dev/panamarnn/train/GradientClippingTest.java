package dev.panamarnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.testing.TestData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Clipping by global norm (hand values, torch.nn.utils.clip_grad_norm_ fixture) and by value. */
class GradientClippingTest {
    static final List<Kernels> KERNELS = KernelsForTests.both();

    @Test
    void normOverEveryTensorOfTheSlabByHand() {
        Slab.Layout layout = Slab.Layout.builder().add("a", 1).add("b", 2, 1).build();   // padding between them
        for (Kernels k : KERNELS) {
            try (Slab g = Slab.allocate("g", layout)) {
                g.get("a").copyFrom(new float[] {3});
                g.get("b").copyFrom(new float[] {0, 4});
                assertEquals(5f, GradientClipping.globalNorm(k, g), k.name());
                // 5 > 2: scaled by 2 / (5 + 1e-6); the norm before clipping is returned
                assertEquals(5f, GradientClipping.clipByGlobalNorm(k, g, 2.0), k.name());
                float c = (float) (2 / (5 + 1e-6));
                assertEquals(3 * c, g.get("a").get(0), 1e-7, k.name());
                assertEquals(4 * c, g.get("b").get(1), 1e-7, k.name());
                assertEquals(2f, GradientClipping.globalNorm(k, g), 1e-6, k.name());
                // below the threshold nothing changes
                float[] before = g.all().toArray(TestData.F);
                assertEquals(2f, GradientClipping.clipByGlobalNorm(k, g, 10.0), 1e-6);
                assertArrayEquals(before, g.all().toArray(TestData.F));
            }
        }
    }

    @Test
    void matchesClipGradNormAndClipGradValue() {
        JsonNode f = OptimFixture.load("clipping.json");
        for (Kernels k : KERNELS) {
            for (JsonNode c : f.get("norm")) {
                JsonNode grads = c.get("grads"), clipped = c.get("clipped");
                Slab.Layout layout = Slab.Layout.builder().add("g0", OptimFixture.shape(grads.get(0)))
                        .add("g1", OptimFixture.shape(grads.get(1))).build();
                try (Slab g = Slab.allocate("g", layout)) {
                    g.get("g0").copyFrom(OptimFixture.floats(grads.get(0)));
                    g.get("g1").copyFrom(OptimFixture.floats(grads.get(1)));
                    float norm = GradientClipping.clipByGlobalNorm(k, g, c.get("max_norm").doubleValue());
                    assertEquals(c.get("norm").doubleValue(), norm, 1e-6 * norm, k.name() + " norm");
                    for (int i = 0; i < 2; i++) {
                        float[] want = OptimFixture.floats(clipped.get(i)), got = g.get("g" + i).toArray();
                        for (int j = 0; j < want.length; j++) {
                            assertEquals(want[j], got[j], 1e-6 * Math.abs(want[j]) + 1e-7,
                                    k.name() + " max_norm " + c.get("max_norm") + " g" + i + "[" + j + "]");
                        }
                    }
                }
            }
        }
        JsonNode v = f.get("value");
        try (Slab g = Slab.allocate("g", Slab.Layout.builder().add("w", OptimFixture.shape(v.get("grads"))).build())) {
            g.get("w").copyFrom(OptimFixture.floats(v.get("grads")));
            GradientClipping.clipByValue(g, v.get("clip_value").doubleValue());
            assertArrayEquals(OptimFixture.floats(v.get("clipped")), g.get("w").toArray());
        }
    }

    @Test
    void nonFiniteNormIsReturnedAndNothingIsScaled() {
        for (Kernels k : KERNELS) {
            try (Slab g = Slab.allocate("g", Slab.Layout.builder().add("w", 40).build())) {
                float[] values = TestData.uniform(1, 40, 1);
                values[17] = Float.NaN;
                g.get("w").copyFrom(values);
                assertTrue(Float.isNaN(GradientClipping.clipByGlobalNorm(k, g, 0.1)), k.name() + ": NaN norm");
                assertArrayEquals(values, g.get("w").toArray(), k.name() + ": gradients untouched");
                values[17] = Float.POSITIVE_INFINITY;
                g.get("w").copyFrom(values);
                assertEquals(Float.POSITIVE_INFINITY, GradientClipping.clipByGlobalNorm(k, g, 0.1), k.name());
                assertArrayEquals(values, g.get("w").toArray());
            }
        }
    }

    @Test
    void clipByValueClampsAndKeepsNaN() {
        try (Slab g = Slab.allocate("g", Slab.Layout.builder().add("w", 5).build())) {
            g.get("w").copyFrom(new float[] {-3, -0.5f, Float.NaN, 0.5f, Float.POSITIVE_INFINITY});
            GradientClipping.clipByValue(g, 1);
            float[] got = g.get("w").toArray();
            assertArrayEquals(new float[] {-1, -0.5f, Float.NaN, 0.5f, 1}, got);
        }
    }

    @Test
    void badArgumentsAreRejected() {
        Kernels k = KernelsForTests.java();
        try (Slab g = Slab.allocate("g", Slab.Layout.builder().add("w", 5).build())) {
            var e = assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipByGlobalNorm(k, g, 0));
            assertTrue(e.getMessage().contains("maxNorm must be finite and > 0, got 0.0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipByValue(g, Double.NaN));
            assertTrue(e.getMessage().contains("clipValue must be finite and >= 0"), e.getMessage());
            g.close();
            assertThrows(IllegalStateException.class, () -> GradientClipping.globalNorm(k, g));
        }
    }
}
