package dev.panamarnn.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What else the machine is doing while the load runs: a daemon thread reads Linux's /proc/stat every
 * {@code periodMillis} ms (10 when tracing, to place each slow event; 500 otherwise) and keeps, per sample, the time, the runnable threads ({@code procs_running},
 * every process's) and the CPU time counters (busy, steal, total, in clock ticks), in fixed arrays. The
 * load generator asks it for a window's CPU use and steal and for the runnable threads around an event.
 * Elsewhere than Linux it keeps nothing ({@link #available()} false).
 */
final class MachineSampler implements AutoCloseable {
    private static final Path STAT = Path.of("/proc/stat");
    private final int capacity;
    private final long[] times;       // System.nanoTime() of each sample
    private final int[] running;      // procs_running: threads runnable or running on the machine
    private final long[] busy;        // cumulative ticks of every CPU not idle (user, nice, system, irq, softirq, steal)
    private final long[] steal;       // cumulative ticks the hypervisor gave another guest
    private final long[] total;       // cumulative ticks, idle and iowait included
    private volatile int count;
    private volatile boolean stop;
    private final Thread thread;
    private final long periodNanos;

    /** Samples every {@code periodMillis} and keeps at most {@code seconds} of samples (the oldest are kept, later ones dropped). */
    MachineSampler(int periodMillis, int seconds) {
        this.periodNanos = TimeUnit.MILLISECONDS.toNanos(periodMillis);
        this.capacity = Math.max(1, seconds * 1000 / periodMillis);
        this.times = new long[capacity];
        this.running = new int[capacity];
        this.busy = new long[capacity];
        this.steal = new long[capacity];
        this.total = new long[capacity];
        this.thread = new Thread(this::sample, "machine-sampler");
        thread.setDaemon(true);
        if (Files.isReadable(STAT)) {
            thread.start();
        }
    }

    boolean available() {
        return count > 1;
    }

    private void sample() {
        while (!stop && count < capacity) {
            try {
                read(count);
            } catch (IOException | RuntimeException e) {
                return;                          // no /proc/stat as expected: keep what there is
            }
            count++;
            LockSupport.parkNanos(periodNanos);
        }
    }

    private void read(int i) throws IOException {
        long now = System.nanoTime();
        for (String line : Files.readAllLines(STAT)) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");   // cpu user nice system idle iowait irq softirq steal ...
                long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
                long all = 0;
                for (int k = 1; k <= 8; k++) {
                    all += Long.parseLong(f[k]);
                }
                total[i] = all;
                busy[i] = all - idle;
                steal[i] = Long.parseLong(f[8]);
            } else if (line.startsWith("procs_running ")) {
                running[i] = Integer.parseInt(line.substring("procs_running ".length()).trim());
            }
        }
        times[i] = now;
    }

    /** The first sample at or after {@code nanos}, or the last one. */
    private int at(long nanos) {
        int n = count;
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] < nanos) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Runnable threads on the machine at the sample nearest after {@code nanos}. */
    int runningAt(long nanos) {
        return running[at(nanos)];
    }

    /** Between two times: {busy share of all CPUs, steal share, mean runnable threads, CPUs busy}; NaN when not sampled. */
    double[] window(long fromNanos, long toNanos, int cpus) {
        int a = at(fromNanos);
        int b = at(toNanos);
        if (!available() || b <= a) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        }
        double ticks = total[b] - total[a];
        double meanRunning = 0;
        for (int i = a; i <= b; i++) {
            meanRunning += running[i];
        }
        double busyShare = (busy[b] - busy[a]) / ticks;
        return new double[] {busyShare, (steal[b] - steal[a]) / ticks, meanRunning / (b - a + 1), busyShare * cpus};
    }

    @Override
    public void close() {
        stop = true;
    }
}
