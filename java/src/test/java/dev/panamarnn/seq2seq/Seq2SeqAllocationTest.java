package dev.panamarnn.seq2seq;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.panamarnn.CellType;
import dev.panamarnn.kernels.KernelsForTests;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The step loops allocate no objects: the heap bytes of one forward + backward (a few hundred, per-call
 * constants of the workspaces' checks) grow by less than one object per added source and target step (measured with the JVM's per-thread allocation counter after
 * warm-up, on the native kernels), and a decoding step allocates nothing.
 */
class Seq2SeqAllocationTest {
    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU"})
    void heapAllocationDoesNotGrowWithSequenceLength(CellType cell) {
        long shortRun = bytesPerTrainingPass(cell, 2, 2);
        long longRun = bytesPerTrainingPass(cell, 16, 16);
        System.out.println("seq2seq " + cell + ": heap bytes per forward + backward, S=T=2: " + shortRun + ", S=T=16: " + longRun);
        // 14 more source and 14 more target steps: fewer bytes than one object (16) per step, so no step allocates an object
        assertTrue(longRun - shortRun < 14 * 16, cell + ": " + shortRun + " bytes at S=T=2 but " + longRun + " at S=T=16");
        assertTrue(longRun < 1024, cell + ": a training pass allocates " + longRun + " bytes");
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU"})
    void aDecodingStepAllocatesNothing(CellType cell) {
        Seq2SeqConfig config = new Seq2SeqConfig(cell, 9, 9, 6, 8, 2, true, 1, 2, 4);
        ThreadMXBean bean = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        try (Seq2Seq model = Seq2Seq.create(config, KernelsForTests.nativeKernels());
             Seq2SeqDecoder decoder = model.decoder(7, 3)) {
            decoder.encode(new int[] {3, 4, 5, 6, 7});
            decoder.reset();
            int[] parents = {0, 0, 1}, tokens = {3, 4, 5};
            float[] logProbs = new float[3 * 9];
            for (int i = 0; i < 3000; i++) {
                decoder.step(parents, tokens, logProbs);
            }
            long before = bean.getThreadAllocatedBytes(thread);
            for (int i = 0; i < 200; i++) {
                decoder.step(parents, tokens, logProbs);
            }
            long perStep = (bean.getThreadAllocatedBytes(thread) - before) / 200;
            System.out.println("seq2seq " + cell + ": heap bytes per decoding step: " + perStep);
            assertTrue(perStep < 256, "a decoding step allocates " + perStep + " bytes");
        }
    }

    private static long bytesPerTrainingPass(CellType cell, int sourceSteps, int targetSteps) {
        Seq2SeqConfig config = new Seq2SeqConfig(cell, 9, 9, 6, 8, 1, true, 1, 2, 4);
        ThreadMXBean bean = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        int[][] sources = new int[4][], targets = new int[4][];
        for (int b = 0; b < 4; b++) {
            sources[b] = new int[Math.max(1, sourceSteps - b)];
            Arrays.fill(sources[b], 3 + b);
            targets[b] = new int[Math.max(1, targetSteps - b)];
            Arrays.fill(targets[b], 4 + b);
        }
        try (Seq2Seq model = Seq2Seq.create(config, KernelsForTests.nativeKernels());
             Seq2SeqPass pass = model.pass(sourceSteps, targetSteps, 4)) {
            pass.load(sources, targets);
            for (int i = 0; i < 1500; i++) {
                pass.forwardBackward();
            }
            int runs = 200;
            long before = bean.getThreadAllocatedBytes(thread);
            for (int i = 0; i < runs; i++) {
                pass.forwardBackward();
            }
            return (bean.getThreadAllocatedBytes(thread) - before) / runs;
        }
    }
}
