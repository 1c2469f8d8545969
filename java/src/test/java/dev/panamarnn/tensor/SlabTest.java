package dev.panamarnn.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlabTest {
    private static Slab.Layout lstmLayout(int input, int hidden) {
        return Slab.Layout.builder()
                .add("weight_ih_l0", 4 * hidden, input)   // (4H, I)
                .add("weight_hh_l0", 4 * hidden, hidden)  // (4H, H)
                .add("bias_ih_l0", 4 * hidden)            // (4H)
                .add("bias_hh_l0", 4 * hidden)            // (4H)
                .build();
    }

    @Test
    void slicesAreAlignedDisjointAndCoverTheirShapes() {
        try (Slab slab = Slab.allocate("params", lstmLayout(3, 5))) {
            List<long[]> ranges = new ArrayList<>();
            long base = slab.all().address();
            for (var entry : slab.layout().entries()) {
                Tensor t = slab.get(entry.name());
                long start = t.segment().address() - base;
                assertEquals(0, t.segment().address() % Slab.ALIGNMENT, entry.name() + " alignment");
                assertEquals(Tensor.elementCount(entry.shape()) * 4, t.segment().byteSize(), entry.name());
                assertArrayEquals(entry.shape(), t.shape());
                ranges.add(new long[] {start, start + t.segment().byteSize()});
            }
            for (int i = 0; i < ranges.size(); i++) {
                for (int j = i + 1; j < ranges.size(); j++) {
                    long[] a = ranges.get(i), b = ranges.get(j);
                    assertTrue(a[1] <= b[0] || b[1] <= a[0], "slices " + i + " and " + j + " overlap");
                }
            }
            // writing every element of one tensor leaves the others untouched
            Tensor w = slab.get("weight_hh_l0");
            w.fill(7f);
            assertEquals(0f, slab.get("weight_ih_l0").get(59));
            assertEquals(0f, slab.get("bias_ih_l0").get(0));
            assertEquals(7f, w.get(w.size() - 1));
        }
    }

    @Test
    void useAfterCloseThrowsIllegalState() {
        Slab slab = Slab.allocate("params", lstmLayout(2, 2));
        Tensor bias = slab.get("bias_ih_l0");
        slab.close();
        slab.close();   // idempotent
        assertFalse(slab.isOpen());
        assertEquals("slab 'params' is closed", assertThrows(IllegalStateException.class, () -> slab.get("bias_ih_l0")).getMessage());
        assertThrows(IllegalStateException.class, () -> bias.get(0));
        assertThrows(IllegalStateException.class, bias::toArray);
        assertThrows(IllegalStateException.class, slab::zero);
    }

    @Test
    void unknownNamesAndDuplicatesAreRejected() {
        try (Slab slab = Slab.allocate("params", lstmLayout(2, 2))) {
            var e = assertThrows(IllegalArgumentException.class, () -> slab.get("weight_ih_l1"));
            assertTrue(e.getMessage().contains("has no tensor 'weight_ih_l1'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Slab.Layout.builder().add("a", 1).add("a", 2));
    }

    @Test
    void tensorShapeChecks() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, 2, 3, 4);
            assertEquals(24, t.size());
            Tensor step = t.slice(1);
            assertArrayEquals(new int[] {3, 4}, step.shape());
            step.set(0, 5f);
            assertEquals(5f, t.get(12));
            var e = assertThrows(IllegalArgumentException.class, () -> t.copyFrom(new float[23]));
            assertEquals("expected 24 values for shape [2, 3, 4], got 23", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.reshape(5, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> t.get(24));
            assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(arena, 3, -1));
            assertThrows(IllegalArgumentException.class, () -> Tensor.elementCount(1 << 30, 1 << 30, 1 << 30));
        }
    }
}
