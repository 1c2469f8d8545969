package dev.panamarnn.unroll;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Nothing is allocated inside the time loop: the heap bytes one forward + backward allocates do
 * not grow with T (a per-call constant, such as a shape check, is allowed; a per-step object is not).
 * Measured with the JVM's per-thread allocation counter after warm-up, on the native kernels.
 */
class TimeLoopAllocationTest {
    @ParameterizedTest
    @EnumSource(CellType.class)
    void heapAllocationDoesNotGrowWithSequenceLength(CellType cell) {
        long shortRun = bytesPerTrainingStep(cell, 2);
        long longRun = bytesPerTrainingStep(cell, 64);
        System.out.println(cell + ": heap bytes per training step (forward + backward), T=2: " + shortRun + ", T=64: " + longRun);
        assertTrue(longRun <= shortRun + 64,
                cell + ": a training step allocates " + shortRun + " bytes at T=2 but " + longRun + " at T=64");
        assertTrue(longRun < 4096, cell + ": a training step allocates " + longRun + " bytes");
    }

    private static long bytesPerTrainingStep(CellType cell, int steps) {
        RnnConfig config = RnnConfig.builder(cell, 8, 16).layers(2).build();
        ThreadMXBean bean = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        try (Rnn rnn = Rnn.create(config, KernelsForTests.nativeKernels());
             Workspace ws = rnn.workspace(steps, 4);
             Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, steps, 4, 8);
            Tensor dOut = Tensor.allocate(arena, steps, 4, 16);
            int[] lengths = {steps, 1, steps, steps - 1 > 0 ? steps - 1 : 1};
            for (int i = 0; i < 2000; i++) {        // warm-up: let the JIT compile (and escape-analyse) the loops
                ws.forward(x, lengths, null, null, true);
                ws.backward(dOut, null, null);
            }
            int runs = 200;
            long before = bean.getThreadAllocatedBytes(thread);
            for (int i = 0; i < runs; i++) {
                ws.forward(x, lengths, null, null, true);
                ws.backward(dOut, null, null);
            }
            return (bean.getThreadAllocatedBytes(thread) - before) / runs;
        }
    }
}
