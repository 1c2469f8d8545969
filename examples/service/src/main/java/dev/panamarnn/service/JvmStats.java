package dev.panamarnn.service;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.NotificationEmitter;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;

/**
 * The JVM's memory and GC pauses as the service reports them: heap in use, the off-heap bytes of FFM
 * arenas (from Native Memory Tracking), and the stop-the-world
 * pauses of every collector (a listener on the GC notifications; G1's concurrent cycles are not pauses).
 */
final class JvmStats {
    private static final Pattern NMT_OTHER = Pattern.compile("-\\s+Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

    private final AtomicLong pauses = new AtomicLong();
    private final AtomicLong pauseMillis = new AtomicLong();
    private final LongAccumulator longestPauseMillis = new LongAccumulator(Math::max, 0);

    JvmStats() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((n, handback) -> {
                    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                        return;
                    }
                    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                    if (info.getGcName().contains("Concurrent")) {
                        return;                      // a concurrent cycle, not a pause
                    }
                    long millis = info.getGcInfo().getDuration();
                    pauses.incrementAndGet();
                    pauseMillis.addAndGet(millis);
                    longestPauseMillis.accumulate(millis);
                }, null, null);
            }
        }
    }

    /** Heap bytes in use now; with {@code collectFirst}, after System.gc() (a full collection under G1). */
    static long heapUsed(boolean collectFirst) {
        if (collectFirst) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * Off-heap bytes that Native Memory Tracking files under "Other" — where FFM arenas'
     * allocations go (they are not counted as direct buffers) — or -1 when the JVM runs without
     * {@code -XX:NativeMemoryTracking=summary}.
     */
    static long offHeapOther() {
        try {
            Object text = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "vmNativeMemory", new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
            Matcher m = NMT_OTHER.matcher(text.toString());
            return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
        } catch (JMException e) {
            return -1;
        }
    }

    /** CPU time this JVM process has used, in nanoseconds (every thread, user and system). */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Heap bytes allocated so far by every thread of this JVM, live or ended. */
    static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
    }

    long pauses() {
        return pauses.get();
    }

    long pauseMillis() {
        return pauseMillis.get();
    }

    long longestPauseMillis() {
        return longestPauseMillis.get();
    }
}
