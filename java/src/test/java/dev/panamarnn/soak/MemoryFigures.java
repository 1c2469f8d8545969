package dev.panamarnn.soak;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/**
 * The memory of this process at one moment, in KiB, after a GC:
 * <ul>
 * <li>{@code rss}: resident set size, VmRSS of /proc/self/status (everything: heap, code, native),
 *     after glibc's malloc_trim where there is one;</li>
 * <li>{@code outsideHeap}: rss minus what the JVM has committed for its heap and non-heap pools;</li>
 * <li>{@code nmtOther}: native memory tracking's category "Other" — memory allocated through
 *     Unsafe, i.e. every FFM arena's off-heap segments (tensors, slabs, stream states), -1 when
 *     NMT is off;</li>
 * <li>{@code nmtTotal}: NMT's total committed memory minus the Java heap (-1 when NMT is off).</li>
 * </ul>
 * OpenBLAS's own buffers are malloc'd by C code: NMT does not see them, VmRSS does.
 */
record MemoryFigures(long rss, long outsideHeap, long nmtOther, long nmtTotal) {
    /**
     * glibc's {@code int malloc_trim(size_t pad)}, or null elsewhere. Off-heap memory is malloc'd
     * and freed in pieces of a few hundred KB; glibc keeps freed pieces for reuse, so without a
     * trim VmRSS shows how fragmented the C heap is rather than what is in use.
     */
    private static final MethodHandle MALLOC_TRIM = Linker.nativeLinker().defaultLookup().find("malloc_trim")
            .map(f -> Linker.nativeLinker().downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)))
            .orElse(null);

    private static final Pattern TOTAL = Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB");
    private static final Pattern CATEGORY = Pattern.compile("-\\s+([A-Za-z ]+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)");
    private static final Pattern LINE = Pattern.compile(
            "rss=(-?\\d+)KiB outsideHeap=(-?\\d+)KiB nmtOther=(-?\\d+)KiB nmtTotal=(-?\\d+)KiB");

    static MemoryFigures measure() throws Throwable {
        System.gc();
        if (MALLOC_TRIM != null) {
            int released = (int) MALLOC_TRIM.invokeExact(0L);   // free C heap pages go back to the OS
        }
        var memory = ManagementFactory.getMemoryMXBean();
        long committed = memory.getHeapMemoryUsage().getCommitted() + memory.getNonHeapMemoryUsage().getCommitted();
        long rss = residentKiB();
        long other = -1, total = -1;
        String nmt = nativeMemorySummary();
        Matcher t = TOTAL.matcher(nmt);
        if (t.find()) {
            total = Long.parseLong(t.group(1));
            other = 0;                                     // categories under 1 KB are omitted
            for (Matcher c = CATEGORY.matcher(nmt); c.find(); ) {
                switch (c.group(1)) {
                    case "Java Heap" -> total -= Long.parseLong(c.group(2));
                    case "Other" -> other = Long.parseLong(c.group(2));
                    default -> { }
                }
            }
        }
        return new MemoryFigures(rss, rss - committed / 1024, other, total);
    }

    /** One line, parsed back by {@link #parse(String)}. */
    String format() {
        return "rss=" + rss + "KiB outsideHeap=" + outsideHeap + "KiB nmtOther=" + nmtOther + "KiB nmtTotal=" + nmtTotal + "KiB";
    }

    static MemoryFigures parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.find()) {
            throw new IllegalArgumentException("no memory figures in '" + line + "'");
        }
        return new MemoryFigures(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)));
    }

    static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /** jcmd VM.native_memory summary, in process; "Native memory tracking is not enabled" when off. */
    private static String nativeMemorySummary() throws Exception {
        return nativeMemory("summary");
    }

    /** Remembers NMT's figures now, for {@link #changesSinceBaseline()}. */
    static void baseline() throws Exception {
        nativeMemory("baseline");
    }

    /** NMT's categories whose committed memory changed since {@link #baseline()}: one line each. */
    static String changesSinceBaseline() throws Exception {
        StringBuilder b = new StringBuilder();
        for (String line : nativeMemory("summary.diff").split("\n")) {
            if (line.startsWith("-") && line.contains("committed=") && line.matches(".*committed=\\d+KB [+-]\\d+KB.*")) {
                b.append(line.trim().replaceAll("\\s+", " ")).append('\n');
            }
        }
        return b.toString();
    }

    private static String nativeMemory(String command) throws Exception {
        Object out = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                "vmNativeMemory", new Object[] {new String[] {command}}, new String[] {String[].class.getName()});
        return String.valueOf(out);
    }
}
