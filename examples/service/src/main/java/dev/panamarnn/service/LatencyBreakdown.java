package dev.panamarnn.service;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * Splits each measured event's latency into its stages (LoadGenerator {@code --trace}): the
 * generator's times (intended send, written to the socket, answer read) and the service's
 * {@link StageTrace} (read, submitted, batch collected, computed, drained, written) — one clock, the
 * machine's monotonic one. Kept in fixed arrays (one slot per event of the window, written once from
 * the answer's thread); after the window it prints where the latency of all events, of the slowest
 * 1 % and of the slowest 0.1 % went, how many of the slow ones overlapped a GC pause of either
 * process, and what the machine was running at their time.
 */
final class LatencyBreakdown {
    /** Stage i runs from time i to time i + 1. */
    static final String[] STAGES = {
        "sender: intended -> handed to the client (late wake-up, or no in-flight permit)",
        "client: -> written to the socket (burst wait, client event loop)",
        "to the service: -> request decoded",
        "parse and submit",
        "batcher queue: -> batch taken by the worker",
        "batch compute: -> the step's callback",
        "outbox: -> marked ready on the event loop",
        "encode: -> answer encoded (flushed next)",
        "back: -> answer read by the generator",
    };
    private static final int TIMES = STAGES.length + 1;
    private final long[][] times;      // (TIMES, capacity): intended, handed, sent, then StageTrace's six times, received
    private final int[] steps;         // (capacity) the event's batch size
    private final boolean[] recorded;  // (capacity)
    private final int capacity;

    LatencyBreakdown(int capacity) {
        this.capacity = capacity;
        this.times = new long[TIMES][capacity];
        this.steps = new int[capacity];
        this.recorded = new boolean[capacity];
    }

    int capacity() {
        return capacity;
    }

    /** Event {@code slot}'s times (handed: when the sender gave it to the target) ({@code stages}: an answer's StageTrace values); an untraced answer is left out. */
    void record(int slot, long intended, long handed, long sent, long[] stages, long received) {
        if (slot < 0 || slot >= capacity || stages == null) {
            return;
        }
        times[0][slot] = intended;
        times[1][slot] = handed;
        times[2][slot] = sent;
        for (int t = 0; t < 6; t++) {
            times[3 + t][slot] = stages[t];
        }
        times[TIMES - 1][slot] = received;
        steps[slot] = (int) stages[6];
        recorded[slot] = true;
    }

    /**
     * Prints the breakdown of slots [0, events): {@code targetPauses} and {@code generatorPauses} are (start, end)
     * pairs on the nanoTime clock; {@code machine} gives the runnable threads at each event's time.
     */
    void print(PrintStream out, int events, long[] targetPauses, long[] generatorPauses, MachineSampler machine) {
        int n = 0;
        int[] index = new int[Math.min(events, capacity)];
        for (int i = 0; i < index.length; i++) {
            if (recorded[i]) {
                index[n++] = i;
            }
        }
        if (n == 0) {
            out.println("trace: no traced answers (is the service running with --trace?)");
            return;
        }
        long[] latency = new long[n];
        for (int k = 0; k < n; k++) {
            latency[k] = times[TIMES - 1][index[k]] - times[0][index[k]];
        }
        long[] sorted = latency.clone();
        Arrays.sort(sorted);
        long p99 = percentile(sorted, 0.99);
        long p999 = percentile(sorted, 0.999);
        out.printf(Locale.ROOT, "trace of %,d answers: latency p50 %,.0f us, p99 %,.0f us, p99.9 %,.0f us%n", n,
                percentile(sorted, 0.5) / 1e3, p99 / 1e3, p999 / 1e3);
        out.println("| stage | all: mean us | all: p99 us | slowest 1 %: mean us | share | slowest 0.1 %: mean us | share |");
        out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (int s = 0; s < STAGES.length; s++) {
            long[] stage = new long[n];
            Share all = new Share(Long.MIN_VALUE);
            Share slowest = new Share(p99);
            Share slowestTenth = new Share(p999);
            for (int k = 0; k < n; k++) {
                stage[k] = times[s + 1][index[k]] - times[s][index[k]];
                all.add(stage[k], latency[k]);
                slowest.add(stage[k], latency[k]);
                slowestTenth.add(stage[k], latency[k]);
            }
            Arrays.sort(stage);
            out.printf(Locale.ROOT, "| %s | %,.1f | %,.1f | %,.1f | %.0f %% | %,.1f | %.0f %% |%n", STAGES[s], all.meanMicros(),
                    percentile(stage, 0.99) / 1e3, slowest.meanMicros(), slowest.percent(), slowestTenth.meanMicros(), slowestTenth.percent());
        }
        printSlowest(out, index, n, latency, p99, targetPauses, generatorPauses, machine);
    }

    /** What the events at or above the p99 share: GC pauses, when they were sent, their batches, the machine's load. */
    private void printSlowest(PrintStream out, int[] index, int n, long[] latency, long p99, long[] targetPauses,
                              long[] generatorPauses, MachineSampler machine) {
        int tails = 0;
        int inTargetPause = 0;
        int inGeneratorPause = 0;
        double tailSteps = 0;
        double allSteps = 0;
        double tailRunning = 0;
        double allRunning = 0;
        long slots = 0;
        long lastSlot = Long.MIN_VALUE;
        long[] tailTimes = new long[n];
        for (int k = 0; k < n; k++) {
            int i = index[k];
            allSteps += steps[i];
            if (machine.available()) {
                allRunning += machine.runningAt(times[0][i]);
            }
            if (latency[k] < p99) {
                continue;
            }
            long from = times[0][i];
            long to = times[TIMES - 1][i];
            inTargetPause += overlaps(targetPauses, from, to) ? 1 : 0;
            inGeneratorPause += overlaps(generatorPauses, from, to) ? 1 : 0;
            tailSteps += steps[i];
            if (machine.available()) {
                tailRunning += machine.runningAt(from);
            }
            tailTimes[tails++] = from / 10_000_000;   // the 10 ms slot of its intended send
        }
        Arrays.sort(tailTimes, 0, tails);
        for (int t = 0; t < tails; t++) {
            if (tailTimes[t] != lastSlot) {
                slots++;
                lastSlot = tailTimes[t];
            }
        }
        out.printf(Locale.ROOT, "slowest 1 %% (%,d events, >= %,.0f us): %.0f %% overlap a GC pause of the target, %.0f %% one of the"
                + " generator; intended send times in %,d distinct 10 ms slots; mean batch %.1f steps (all events %.1f);"
                + " runnable threads on the machine at their send %.1f (all events %.1f)%n",
                tails, p99 / 1e3, 100.0 * inTargetPause / tails, 100.0 * inGeneratorPause / tails, slots, tailSteps / tails,
                allSteps / n, machine.available() ? tailRunning / tails : Double.NaN, machine.available() ? allRunning / n : Double.NaN);
    }

    /** The value at quantile q of sorted values (the nearest rank below). */
    private static long percentile(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }

    /** A stage's time and the latency summed over the events whose latency is at least a threshold. */
    private static final class Share {
        final long threshold;
        double stage;
        double latency;
        int events;

        Share(long threshold) {
            this.threshold = threshold;
        }

        void add(long stageNanos, long latencyNanos) {
            if (latencyNanos >= threshold) {
                stage += stageNanos;
                latency += latencyNanos;
                events++;
            }
        }

        double meanMicros() {
            return stage / events / 1e3;
        }

        /** The stage's share of these events' latency, in percent. */
        double percent() {
            return 100 * stage / latency;
        }
    }

    private static boolean overlaps(long[] pauses, long from, long to) {
        for (int p = 0; p + 1 < pauses.length; p += 2) {
            if (pauses[p] <= to && pauses[p + 1] >= from) {
                return true;
            }
        }
        return false;
    }
}
