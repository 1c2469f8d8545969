package dev.panamarnn.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CTC against PyTorch's {@code F.ctc_loss} (scripts/ctc_reference.py: per-row losses, the mean and
 * its gradient with respect to the logits, in float64) on the Java and the native kernels, against
 * finite differences of its own loss in double precision, and native against Java.
 */
class CtcLossTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    static Stream<Arguments> cases() throws Exception {
        try (InputStream in = CtcLossTest.class.getResourceAsStream("/ctc/ctc-reference.json")) {
            List<JsonNode> list = new ArrayList<>();
            new ObjectMapper().readTree(in).get("cases").forEach(list::add);
            return list.stream().flatMap(c -> Stream.of(Arguments.of(c.get("name").asText(), c, "java"), Arguments.of(c.get("name").asText(), c, "native")));
        }
    }

    private static Kernels kernels(String name) {
        return name.equals("java") ? KernelSelection.java() : KernelsForTests.nativeKernels();
    }

    @ParameterizedTest(name = "{0} on {2}")
    @MethodSource("cases")
    void matchesPyTorch(String name, JsonNode c, String kernelsName) {
        int steps = c.get("steps").asInt(), batch = c.get("batch").asInt(), classes = c.get("classes").asInt();
        int[] lengths = ints(c.get("lengths"));
        int[][] labels = new int[batch][];
        for (int b = 0; b < batch; b++) {
            labels[b] = ints(c.get("labels").get(b));
        }
        try (Arena arena = Arena.ofConfined(); CtcLoss ctc = new CtcLoss(kernels(kernelsName), classes, c.get("blank").asInt())) {
            MemorySegment logits = floats(arena, c.get("logits"));
            MemorySegment grad = arena.allocate(logits.byteSize());
            double[] rows = new double[batch];
            double mean = ctc.forwardBackward(logits, steps, batch, lengths, labels, grad, rows);
            assertEquals(c.get("mean_loss").asDouble(), mean, 1e-9 * Math.max(1, Math.abs(mean)), "mean loss");
            for (int b = 0; b < batch; b++) {
                double expected = c.get("row_losses").get(b).asDouble();
                assertEquals(expected, rows[b], 1e-9 * Math.max(1, Math.abs(expected)), "row " + b);
            }
            JsonNode expected = c.get("gradient");
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i).asDouble(), grad.getAtIndex(F, i), 1e-6, "gradient " + i);
            }
        }
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        int steps = 7, batch = 2, classes = 4;
        int[] lengths = {7, 5};
        int[][] labels = {{1, 1, 3}, {2}};
        SplittableRandom random = new SplittableRandom(9);
        try (Arena arena = Arena.ofConfined(); CtcLoss ctc = new CtcLoss(KernelSelection.java(), classes, 0)) {
            MemorySegment logits = arena.allocate(F, (long) steps * batch * classes);
            for (int i = 0; i < steps * batch * classes; i++) {
                logits.setAtIndex(F, i, (float) (random.nextGaussian() * 1.5));
            }
            MemorySegment grad = arena.allocate(logits.byteSize());
            ctc.forwardBackward(logits, steps, batch, lengths, labels, grad, null);
            float h = 1e-2f;
            for (int i = 0; i < steps * batch * classes; i++) {
                float x = logits.getAtIndex(F, i);
                logits.setAtIndex(F, i, x + h);
                double up = ctc.forwardBackward(logits, steps, batch, lengths, labels, null, null);
                logits.setAtIndex(F, i, x - h);
                double down = ctc.forwardBackward(logits, steps, batch, lengths, labels, null, null);
                logits.setAtIndex(F, i, x);
                double numeric = (up - down) / (2.0 * h);
                assertEquals(numeric, grad.getAtIndex(F, i), 1e-4, "dL/dlogits[" + i + "]");
            }
        }
    }

    @Test
    void refusesLabelsThatCannotBeAlignedAndBadIndices() {
        try (Arena arena = Arena.ofConfined(); CtcLoss ctc = new CtcLoss(3, 0)) {
            MemorySegment logits = arena.allocate(F, 3 * 3);
            var tooShort = assertThrows(IllegalArgumentException.class,
                    () -> ctc.forwardBackward(logits, 3, 1, new int[] {3}, new int[][] {{1, 1, 2}}, null, null));
            assertTrue(tooShort.getMessage().contains("needs at least 4 steps, the row has 3"), tooShort.getMessage());
            var blank = assertThrows(IllegalArgumentException.class,
                    () -> ctc.forwardBackward(logits, 3, 1, new int[] {3}, new int[][] {{0}}, null, null));
            assertTrue(blank.getMessage().contains("other than the blank 0"), blank.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new CtcLoss(3, 3));
        }
        assertEquals(4, CtcLoss.requiredSteps(new int[] {1, 1, 2}));
    }

    /** The native kernel against the Java one on random batches of awkward sizes: losses and gradients to 1e-12 relative. */
    @Test
    void nativeAgreesWithJava() {
        SplittableRandom random = new SplittableRandom(17);
        int[][] shapes = {{1, 1, 2}, {3, 7, 3}, {17, 3, 5}, {40, 5, 29}, {129, 2, 7}};   // T, B, C
        for (int[] shape : shapes) {
            int steps = shape[0], batch = shape[1], classes = shape[2];
            int[] lengths = new int[batch];
            int[][] labels = new int[batch][];
            for (int b = 0; b < batch; b++) {
                lengths[b] = 1 + random.nextInt(steps);
                List<Integer> label = new ArrayList<>();
                int need = 0, previous = -1;
                while (true) {
                    int id = 1 + random.nextInt(classes - 1);
                    int more = need + 1 + (id == previous ? 1 : 0);
                    if (more > lengths[b] || random.nextInt(4) == 0) {
                        break;
                    }
                    label.add(id);
                    need = more;
                    previous = id;
                }
                labels[b] = label.stream().mapToInt(Integer::intValue).toArray();
            }
            try (Arena arena = Arena.ofConfined(); CtcLoss java = new CtcLoss(KernelSelection.java(), classes, 0);
                 CtcLoss nativeCtc = new CtcLoss(KernelsForTests.nativeKernels(), classes, 0)) {
                MemorySegment logits = arena.allocate(F, (long) steps * batch * classes);
                for (long i = 0; i < (long) steps * batch * classes; i++) {
                    logits.setAtIndex(F, i, (float) (random.nextGaussian() * 3));
                }
                MemorySegment g1 = arena.allocate(logits.byteSize()), g2 = arena.allocate(logits.byteSize());
                double[] r1 = new double[batch], r2 = new double[batch];
                double m1 = java.forwardBackward(logits, steps, batch, lengths, labels, g1, r1);
                double m2 = nativeCtc.forwardBackward(logits, steps, batch, lengths, labels, g2, r2);
                String where = "T=" + steps + " B=" + batch + " C=" + classes;
                assertEquals(m1, m2, 1e-12 * Math.max(1, Math.abs(m1)), where);
                for (int b = 0; b < batch; b++) {
                    assertEquals(r1[b], r2[b], 1e-12 * Math.max(1, Math.abs(r1[b])), where + " row " + b);
                }
                for (long i = 0; i < (long) steps * batch * classes; i++) {
                    assertEquals(g1.getAtIndex(F, i), g2.getAtIndex(F, i), 1e-6f * Math.max(1f, Math.abs(g1.getAtIndex(F, i))), where + " gradient " + i);
                }
            }
        }
    }

    private static int[] ints(JsonNode array) {
        int[] v = new int[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).asInt();
        }
        return v;
    }

    private static MemorySegment floats(Arena arena, JsonNode array) {
        MemorySegment s = arena.allocate(F, array.size());
        for (int i = 0; i < array.size(); i++) {
            s.setAtIndex(F, i, (float) array.get(i).asDouble());
        }
        return s;
    }
}
