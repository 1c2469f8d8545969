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
    /** Pauses whose times {@link #pauseLog()} keeps. */
    static final int PAUSES_LOGGED = 256;
    private static final Pattern NMT_OTHER = Pattern.compile("-\\s+Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

    private final AtomicLong pauses = new AtomicLong();
    private final AtomicLong pauseMillis = new AtomicLong();
    private final LongAccumulator longestPauseMillis = new LongAccumulator(Math::max, 0);
    /** The JVM's start on the {@link System#nanoTime()} clock (to the millisecond): GC pauses are timed from it. */
    private final long startNanos = System.nanoTime() - ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000;
    private final long[] pauseLog = new long[2 * PAUSES_LOGGED];   // the last pauses' (start, end) on the nanoTime clock, a ring
    private int pausesLogged;                                      // guarded by pauseLog

    JvmStats() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((n, handback) -> {
                    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                        return;
                    }
                    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                    if (info.getGcName().contains("Concurrent") || info.getGcName().endsWith("Cycles")) {
                        return;                      // a concurrent cycle (G1's, ZGC's "Minor/Major Cycles"), not a pause
                    }
                    long millis = info.getGcInfo().getDuration();
                    synchronized (pauseLog) {
                        int slot = 2 * (pausesLogged++ % PAUSES_LOGGED);
                        pauseLog[slot] = startNanos + info.getGcInfo().getStartTime() * 1_000_000;
                        pauseLog[slot + 1] = startNanos + info.getGcInfo().getEndTime() * 1_000_000;
                    }
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

    /**
     * The last {@link #PAUSES_LOGGED} stop-the-world pauses as {@code start:end} on the {@link System#nanoTime()} clock
     * (to the millisecond), comma-separated, oldest first; "-" when there was none.
     */
    String pauseLog() {
        StringBuilder text = new StringBuilder();
        synchronized (pauseLog) {
            for (int p = Math.max(0, pausesLogged - PAUSES_LOGGED); p < pausesLogged; p++) {
                int slot = 2 * (p % PAUSES_LOGGED);
                text.append(text.isEmpty() ? "" : ",").append(pauseLog[slot]).append(':').append(pauseLog[slot + 1]);
            }
        }
        return text.isEmpty() ? "-" : text.toString();
    }

    /** Parses {@link #pauseLog()}'s text into (start, end) pairs. */
    static long[] parsePauseLog(String text) {
        if (text == null || text.equals("-") || text.isEmpty()) {
            return new long[0];
        }
        String[] pauses = text.split(",");
        long[] times = new long[2 * pauses.length];
        for (int p = 0; p < pauses.length; p++) {
            int colon = pauses[p].indexOf(':');
            times[2 * p] = Long.parseLong(pauses[p].substring(0, colon));
            times[2 * p + 1] = Long.parseLong(pauses[p].substring(colon + 1));
        }
        return times;
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
