package dev.panamarnn.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.kernels.KernelsForTests;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Leak and soak test (docs/soak.md): a child JVM — native memory tracking on, a fixed pre-touched
 * heap, so resident memory does not follow the garbage collector — runs thousands of create/close
 * cycles of networks, workspaces and stream states (about 5.5 MB off-heap each), then a million
 * streaming steps of one stream, and reports its memory before and after ({@link SoakProbe},
 * {@link MemoryFigures}). The bounds, on the growth from start to end:
 * <ul>
 * <li>off-heap memory of the FFM arenas (NMT "Other"): {@value #OFF_HEAP_BOUND_KIB} KiB — one leaked
 *     cycle is 5.5 MB, two leaked bytes per streaming step would be 2 MB;</li>
 * <li>resident memory (VmRSS) and memory outside the Java heap: {@value #RSS_BOUND_KIB} KiB — room for
 *     the JIT's code and the C allocator's arenas, which settle early (docs/soak.md has the measured
 *     figures), far below a leak of 32 KB per cycle or 64 bytes per step.</li>
 * </ul>
 * CI: 2000 cycles + 1 000 000 steps (about a minute on 2 cores under heavy load).
 * {@code -Drnn.soak=long}: 20 000 cycles + 20 000 000 steps (minutes); {@code -Drnn.soak.cycles=N}
 * and {@code -Drnn.soak.steps=N} set either.
 */
class LeakSoakTest {
    static final long OFF_HEAP_BOUND_KIB = 2 * 1024;
    static final long RSS_BOUND_KIB = 64 * 1024;
    /** At least what one cycle's network, workspace, model and stream hold off-heap (self-check of the measure). */
    static final long ONE_CYCLE_KIB = 1024;

    @Test
    void memoryStaysFlatOverCreateCloseCyclesAndAMillionStreamingSteps() throws Exception {
        KernelsForTests.nativeKernels();          // skips the test without native kernels, unless strict
        boolean long_ = "long".equals(System.getProperty("rnn.soak"));
        int cycles = Integer.getInteger("rnn.soak.cycles", long_ ? 20_000 : 2_000);
        long steps = Long.getLong("rnn.soak.steps", long_ ? 20_000_000L : 1_000_000L);

        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-XX:NativeMemoryTracking=summary",
                "-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC",
                "-Drnn.blas.threads=1",                   // the products are small; spinning BLAS threads only slow a loaded machine
                "-Drnn.native.strict=" + Boolean.getBoolean("rnn.native.strict"),
                "-cp", System.getProperty("java.class.path"), SoakProbe.class.getName(), Integer.toString(cycles), Long.toString(steps)));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                lines.add(line);
                System.out.println("[soak child] " + line);
            }
        }
        assertTrue(child.waitFor(long_ ? 3600 : 300, TimeUnit.SECONDS), "the soak child did not finish");
        assertEquals(0, child.exitValue(), "the soak child failed:\n" + String.join("\n", lines));

        MemoryFigures start = figures(lines, "start "), afterCycles = figures(lines, "cycles "), end = figures(lines, "end ");
        System.out.printf("soak: %d create/close cycles + %d streaming steps: VmRSS %d -> %d -> %d KiB, outside the Java heap"
                        + " %d -> %d -> %d KiB, off-heap (NMT Other) %d -> %d -> %d KiB, NMT total without the heap %d -> %d -> %d KiB"
                        + " (start -> after the cycles -> end)%n", cycles, steps,
                start.rss(), afterCycles.rss(), end.rss(), start.outsideHeap(), afterCycles.outsideHeap(), end.outsideHeap(),
                start.nmtOther(), afterCycles.nmtOther(), end.nmtOther(), start.nmtTotal(), afterCycles.nmtTotal(), end.nmtTotal());
        assertTrue(start.nmtOther() >= 0, "native memory tracking did not report in the child");
        MemoryFigures holding = figures(lines, "holding ");
        assertTrue(holding.nmtOther() - start.nmtOther() >= ONE_CYCLE_KIB, "the measure does not see the off-heap memory of one"
                + " cycle's open objects: " + start.nmtOther() + " KiB -> " + holding.nmtOther() + " KiB");
        for (MemoryFigures later : List.of(afterCycles, end)) {
            assertTrue(later.nmtOther() - start.nmtOther() <= OFF_HEAP_BOUND_KIB, "off-heap memory grew from " + start.nmtOther()
                    + " KiB to " + later.nmtOther() + " KiB (bound: +" + OFF_HEAP_BOUND_KIB + " KiB)");
            assertTrue(later.rss() - start.rss() <= RSS_BOUND_KIB, "VmRSS grew from " + start.rss() + " KiB to " + later.rss()
                    + " KiB (bound: +" + RSS_BOUND_KIB + " KiB)");
            assertTrue(later.outsideHeap() - start.outsideHeap() <= RSS_BOUND_KIB, "memory outside the Java heap grew from "
                    + start.outsideHeap() + " KiB to " + later.outsideHeap() + " KiB (bound: +" + RSS_BOUND_KIB + " KiB)");
        }
    }

    private static MemoryFigures figures(List<String> lines, String prefix) {
        for (String line : lines) {
            if (line.startsWith(prefix)) {
                return MemoryFigures.parse(line);
            }
        }
        throw new AssertionError("the soak child printed no '" + prefix.trim() + "' line:\n" + String.join("\n", lines));
    }
}
