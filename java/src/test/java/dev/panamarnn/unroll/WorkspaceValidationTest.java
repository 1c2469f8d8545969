package dev.panamarnn.unroll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** The public API's answers to wrong shapes, wrong lengths and closed objects. */
class WorkspaceValidationTest {
    private final RnnConfig lstm = RnnConfig.builder(CellType.LSTM, 3, 4).layers(2).build();

    @Test
    void wrongInputShapeNamesExpectedAndActual() {
        try (Rnn rnn = Rnn.create(lstm, KernelSelection.java()); Workspace ws = rnn.workspace(5, 2); Arena arena = Arena.ofConfined()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> ws.forward(Tensor.allocate(arena, 5, 2, 4), null, null, null, false));
            assertEquals("x must have shape [5, 2, 3] (T, B, I), got [5, 2, 4]", e.getMessage());
            var h0 = assertThrows(IllegalArgumentException.class,
                    () -> ws.forward(Tensor.allocate(arena, 5, 2, 3), null, Tensor.allocate(arena, 1, 2, 4), null, false));
            assertEquals("h0 must have shape [2, 2, 4] (L*D, B, H), got [1, 2, 4]", h0.getMessage());
        }
    }

    @Test
    void wrongLengthsAreRejected() {
        try (Rnn rnn = Rnn.create(lstm, KernelSelection.java()); Workspace ws = rnn.workspace(5, 2); Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, 5, 2, 3);
            assertEquals("lengths must have one entry per batch row: expected 2, got 3",
                    assertThrows(IllegalArgumentException.class, () -> ws.forward(x, new int[] {5, 5, 5}, null, null, false)).getMessage());
            assertEquals("lengths[1] must be in [1, T=5], got 6",
                    assertThrows(IllegalArgumentException.class, () -> ws.forward(x, new int[] {5, 6}, null, null, false)).getMessage());
            assertEquals("lengths[0] must be in [1, T=5], got 0",
                    assertThrows(IllegalArgumentException.class, () -> ws.forward(x, new int[] {0, 5}, null, null, false)).getMessage());
        }
    }

    @Test
    void cellStateOnlyForLstmAndBackwardNeedsForward() {
        RnnConfig gru = RnnConfig.builder(CellType.GRU, 3, 4).build();
        try (Rnn rnn = Rnn.create(gru, KernelSelection.java()); Workspace ws = rnn.workspace(2, 1); Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, 2, 1, 3);
            assertEquals("c0 is only for LSTM; this network is gru", assertThrows(IllegalArgumentException.class,
                    () -> ws.forward(x, null, null, Tensor.allocate(arena, 1, 1, 4), false)).getMessage());
            assertEquals("backward needs a forward pass on this workspace first", assertThrows(IllegalStateException.class,
                    () -> ws.backward(Tensor.allocate(arena, 2, 1, 4), null, null)).getMessage());
        }
    }

    @Test
    void useAfterCloseIsAnIllegalStateException() {
        Rnn rnn = Rnn.create(lstm, KernelSelection.java());
        Workspace ws = rnn.workspace(2, 1);
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, 2, 1, 3);
            ws.forward(x, null, null, null, false);
            ws.close();
            assertEquals("cannot run forward: this workspace is closed", assertThrows(IllegalStateException.class,
                    () -> ws.forward(x, null, null, null, false)).getMessage());
            Workspace other = rnn.workspace(2, 1);
            rnn.close();
            assertEquals("this Rnn is closed", assertThrows(IllegalStateException.class,
                    () -> other.forward(x, null, null, null, false)).getMessage());
            assertThrows(IllegalStateException.class, () -> rnn.workspace(2, 1));
            other.close();
        }
    }

    @Test
    void paddedStepsOfTheInputDoNotMatterEvenWhenNaN() {
        RnnConfig gru = RnnConfig.builder(CellType.GRU, 3, 4).layers(2).bidirectional(true).build();
        try (Rnn rnn = Rnn.create(gru, KernelSelection.java()); Workspace ws = rnn.workspace(3, 2); Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, 3, 2, 3);
            for (long i = 0; i < x.size(); i++) {
                x.set(i, (float) Math.sin(i));
            }
            Tensor dOut = Tensor.allocate(arena, 3, 2, 8);
            dOut.fill(1f);
            int[] lengths = {3, 1};
            ws.forward(x, lengths, null, null, true);
            float[] out = ws.output().toArray();
            ws.backward(dOut, null, null);
            float[] dW = rnn.gradients().get("weight_ih_l0").toArray();
            for (int t = 1; t < 3; t++) {
                for (int i = 0; i < 3; i++) {
                    x.set(((long) t * 2 + 1) * 3 + i, Float.NaN);   // row 1 is padded after step 0
                }
            }
            rnn.zeroGradients();
            ws.forward(x, lengths, null, null, true);
            assertArrayEquals(out, ws.output().toArray());
            ws.backward(dOut, null, null);
            assertArrayEquals(dW, rnn.gradients().get("weight_ih_l0").toArray());
        }
    }

    @Test
    void configValidation() {
        assertEquals("hiddenSize must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> RnnConfig.builder(CellType.GRU, 3, 0).build()).getMessage());
        assertEquals("dropout must be in [0, 1), got 1.0", assertThrows(IllegalArgumentException.class,
                () -> RnnConfig.builder(CellType.GRU, 3, 2).dropout(1).build()).getMessage());
        assertEquals(CellType.RNN_TANH, CellType.fromId("rnn"));
        assertEquals(CellType.GRU_RESET_BEFORE, CellType.fromId("gru_reset_before"));
        assertEquals("lstm, gru, gru_reset_before, rnn_tanh, rnn_relu", CellType.ids());
        assertEquals("unknown cell type 'lstn'; expected one of lstm, gru, gru_reset_before, rnn (= rnn_tanh), rnn_tanh, rnn_relu",
                assertThrows(IllegalArgumentException.class, () -> CellType.fromId("lstn")).getMessage());
    }

    @Test
    void parametersHavePyTorchNamesShapesAndInitBounds() {
        RnnConfig c = RnnConfig.builder(CellType.GRU, 3, 16).layers(2).bidirectional(true).seed(3).build();
        try (Rnn rnn = Rnn.create(c, KernelSelection.java())) {
            assertEquals(16, rnn.parameters().tensors().size());
            assertArrayEquals(new int[] {48, 3}, rnn.parameters().get("weight_ih_l0").shape());
            assertArrayEquals(new int[] {48, 32}, rnn.parameters().get("weight_ih_l1_reverse").shape());
            assertArrayEquals(new int[] {48, 16}, rnn.parameters().get("weight_hh_l1").shape());
            assertArrayEquals(new int[] {48}, rnn.parameters().get("bias_hh_l0_reverse").shape());
            double bound = 1 / Math.sqrt(16), max = 0;
            for (Tensor t : rnn.parameters().tensors().values()) {
                for (float v : t.toArray()) {
                    max = Math.max(max, Math.abs(v));
                }
            }
            // U(-1/sqrt(H), 1/sqrt(H)): inside the bound, and close to it with ~2900 draws
            assertEquals(bound, max, 0.01 * bound);
            try (Rnn same = Rnn.create(c, KernelSelection.java())) {
                assertArrayEquals(rnn.parameters().get("weight_hh_l1").toArray(), same.parameters().get("weight_hh_l1").toArray());
            }
        }
    }
}
