package dev.panamarnn.guards;

import static dev.panamarnn.guards.Guards.expect;
import static dev.panamarnn.guards.Guards.ok;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.internal.memory.OffHeap;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sizes that cannot be allocated: an IllegalArgumentException naming what needed the memory, the
 * bytes and what to reduce — over the off-heap budget (the machine's memory, or -Drnn.maxOffHeapBytes)
 * or refused by the machine — never an OutOfMemoryError; and the owner stays usable afterwards.
 */
class AllocationGuardTest {

    @AfterEach
    void clearBudget() {
        System.clearProperty(OffHeap.MAX_BYTES_PROPERTY);
    }

    @Test
    void aWorkspaceLargerThanTheMachine() {
        try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.LSTM, 8, 32).build(), KernelSelection.java())) {
            // (T+1)*B fits an int, the buffers (T*B rows of gates and states) are terabytes
            expect(IllegalArgumentException.class, () -> rnn.workspace(100000, 20000), "the workspace (T=100000, B=20000, H=32",
                    "TiB", "bytes) of off-heap memory", "physical memory", "-Drnn.maxOffHeapBytes", "reduce T or B");
            ok(() -> rnn.workspace(10, 2).close());   // the network is still usable
        }
    }

    @Test
    void aNetworkLargerThanTheMachine() {
        // 4H x (I + H) weights with H = 10^6: 16 TB per slab
        RnnConfig huge = RnnConfig.builder(CellType.LSTM, 8, 1_000_000).build();
        expect(IllegalArgumentException.class, () -> Rnn.create(huge, KernelSelection.java()), "the parameters and gradients of the network (lstm, I=8, H=1000000",
                "would take 29.1 TiB (32000320000000 bytes)", "reduce the hidden size");
        expect(IllegalArgumentException.class, () -> SequenceModel.builder().features(8).regress(1).hidden(1_000_000)
                .kernels(KernelSelection.java()).build(), "the parameters and gradients of the model (", "TiB");
    }

    @Test
    void theBudgetProperty() {
        System.setProperty(OffHeap.MAX_BYTES_PROPERTY, "1m");
        try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.GRU, 4, 16).build(), KernelSelection.java())) {
            expect(IllegalArgumentException.class, () -> rnn.workspace(1000, 64), "the workspace (T=1000, B=64",
                    "more than the 1.0 MiB (1048576 bytes) one allocation may take (-Drnn.maxOffHeapBytes)");
            ok(() -> rnn.workspace(10, 2).close());
            expect(IllegalArgumentException.class, () -> Slab.allocate("big", Slab.Layout.builder().add("w", 1024, 1024).build()),
                    "slab 'big' (1 tensors) would take 4.0 MiB (4194304 bytes)");
            try (Arena arena = Arena.ofConfined()) {
                expect(IllegalArgumentException.class, () -> Tensor.allocate(arena, 512, 1024), "a tensor [512, 1024] would take 2.0 MiB");
            }
            System.setProperty(OffHeap.MAX_BYTES_PROPERTY, "lots");
            expect(IllegalArgumentException.class, () -> rnn.workspace(10, 2), "system property rnn.maxOffHeapBytes is 'lots'",
                    "expected a byte count");
        }
    }

    @Test
    void aRequestTheMachineRefuses() {
        // a budget of 8 EiB lets the request through to the allocator, which cannot give 4 EiB
        System.setProperty(OffHeap.MAX_BYTES_PROPERTY, "8388607t");
        try (Arena arena = Arena.ofConfined()) {
            expect(IllegalArgumentException.class, () -> Tensor.allocate(arena, 1 << 30, 1 << 30), "a tensor [1073741824, 1073741824]",
                    "would take 4.0 EiB", "which the machine could not allocate", "reduce its shape");
            ok(() -> Tensor.allocate(arena, 4, 4));
        }
    }

    @Test
    void byteCountsPastALong() {
        int big = Integer.MAX_VALUE;
        try (Arena arena = Arena.ofConfined()) {
            expect(IllegalArgumentException.class, () -> Tensor.allocate(arena, big, big, big), "shape [2147483647, 2147483647, 2147483647]",
                    "overflows a long");
        }
        // each entry fits a byte count, their sum does not
        expect(IllegalArgumentException.class, () -> Slab.Layout.builder().add("a", 1 << 30, 1 << 30).add("b", 1 << 30, 1 << 30),
                "slab layout too large: adding 'b' [1073741824, 1073741824]", "overflows a byte count");
    }
}
