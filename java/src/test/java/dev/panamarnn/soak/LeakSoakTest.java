package dev.panamarnn.soak;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The short CI variant of the leak and soak test: thousands of create/close cycles of networks,
 * workspaces and stream states (about 1 MB off-heap each) and many streaming steps, with the
 * resident set size (VmRSS) read before and after. A leak of one cycle's memory would add gigabytes;
 * the bound allows for the JIT and the GC heap settling. -Drnn.soak.cycles=N runs it longer.
 */
class LeakSoakTest {
    @Test
    void residentMemoryStaysFlatOverCreateCloseCyclesAndStreamingSteps() throws IOException {
        int cycles = Integer.getInteger("rnn.soak.cycles", 2000);
        RnnConfig config = RnnConfig.builder(CellType.LSTM, 32, 64).layers(2).seed(1).build();
        runCycles(config, 200);                       // warm-up: JIT, arenas, OpenBLAS buffers
        long rssBefore = residentKiB(), offHeapBefore = outsideJavaHeapKiB();
        runCycles(config, cycles);
        long rssAfter = residentKiB(), offHeapAfter = outsideJavaHeapKiB();
        System.out.printf("soak: %d cycles (Rnn + workspace 100x8 + stream, 100 steps each): VmRSS %d -> %d MiB,"
                + " outside the Java heap %d -> %d MiB%n", cycles, rssBefore / 1024, rssAfter / 1024,
                offHeapBefore / 1024, offHeapAfter / 1024);
        // one cycle holds ~1.3 MB off-heap: a leak would add cycles * 1.3 MB (2.6 GB at 2000 cycles);
        // the Java heap may grow as the GC pleases, so the bound is on what lies outside it
        assertTrue(offHeapAfter - offHeapBefore < 64 * 1024, "memory outside the Java heap grew from " + offHeapBefore
                + " KiB to " + offHeapAfter + " KiB over " + cycles + " cycles");
    }

    private static void runCycles(RnnConfig config, int cycles) {
        float[] event = new float[32], out = new float[64];
        for (int c = 0; c < cycles; c++) {
            try (Rnn rnn = Rnn.create(config, KernelsForTests.nativeKernels());
                 Workspace ws = rnn.workspace(100, 8);
                 Arena arena = Arena.ofConfined()) {
                ws.forward(Tensor.allocate(arena, 100, 8, 32), null, null, null, true);
                try (InferenceModel model = InferenceModel.of(rnn); StreamState stream = model.newStream()) {
                    for (int s = 0; s < 100; s++) {
                        event[s % 32] = s * 0.01f;
                        stream.step(event, out);
                    }
                }
            }
        }
    }

    /** Resident memory minus what the JVM has committed for its heap and non-heap pools, after a GC. */
    private static long outsideJavaHeapKiB() throws IOException {
        System.gc();
        var memory = java.lang.management.ManagementFactory.getMemoryMXBean();
        long committed = memory.getHeapMemoryUsage().getCommitted() + memory.getNonHeapMemoryUsage().getCommitted();
        return residentKiB() - committed / 1024;
    }

    private static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
