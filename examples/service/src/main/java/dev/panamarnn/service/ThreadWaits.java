package dev.panamarnn.service;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How long a process's threads ran and how long they waited, runnable, for a CPU: Linux's
 * /proc/PID/task/TID/schedstat (CPU time on the CPU, time runnable on a run queue, in ns) with each thread's name
 * (/proc/PID/task/TID/comm). The difference of two readings over a load window says what share of
 * a thread's time other threads (the machine's other processes, or its own process's) took from it.
 */
final class ThreadWaits {
    /** Per thread name (threads of one name summed): {CPU ns, run-queue wait ns}. */
    private final Map<String, long[]> byName = new LinkedHashMap<>();

    private ThreadWaits() {}

    /** A reading of process {@code pid}'s threads; empty when /proc does not have it. */
    static ThreadWaits read(long pid) {
        ThreadWaits w = new ThreadWaits();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks) {
                try {
                    String[] f = Files.readString(task.resolve("schedstat")).trim().split(" ");
                    String name = Files.readString(task.resolve("comm")).trim().replaceAll("-?\\d+$", "-N");
                    long[] sum = w.byName.computeIfAbsent(name, n -> new long[2]);
                    sum[0] += Long.parseLong(f[0]);
                    sum[1] += Long.parseLong(f[1]);
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            // no /proc: nothing read
        }
        return w;
    }

    /**
     * One line: the {@code top} threads by CPU between {@code before} and this reading, each with its CPU and run-queue wait
     * per second of {@code wallNanos}, and the process's total.
     */
    String since(ThreadWaits before, long wallNanos, int top) {
        List<Map.Entry<String, long[]>> deltas = new ArrayList<>();
        long cpu = 0;
        long wait = 0;
        for (Map.Entry<String, long[]> e : byName.entrySet()) {
            long[] b = before.byName.getOrDefault(e.getKey(), new long[2]);
            long[] d = {e.getValue()[0] - b[0], e.getValue()[1] - b[1]};
            cpu += d[0];
            wait += d[1];
            deltas.add(Map.entry(e.getKey(), d));
        }
        deltas.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0]).reversed());
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "all threads: CPU %.0f ms/s, waiting for a CPU %.0f ms/s",
                cpu * 1e3 / wallNanos, wait * 1e3 / wallNanos));
        for (int i = 0; i < Math.min(top, deltas.size()); i++) {
            long[] d = deltas.get(i).getValue();
            text.append(String.format(Locale.ROOT, "; %s %.0f, waiting %.0f", deltas.get(i).getKey(), d[0] * 1e3 / wallNanos, d[1] * 1e3 / wallNanos));
        }
        return text.toString();
    }
}
