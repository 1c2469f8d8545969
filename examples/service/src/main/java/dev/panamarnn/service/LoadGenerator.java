package dev.panamarnn.service;

import dev.panamarnn.infer.BlasThreads;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.options.Range;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Open-loop load on loopback: {@code --streams} streams each send events at a fixed rate (the total
 * rate over the streams, round robin), whether or not earlier answers came back; a step's latency
 * runs from its intended send time, so a stall counts against every event it delayed (no
 * coordinated omission). At most {@code --in-flight} events are in flight (HTTP: pipelined on
 * {@code --connections} keep-alive connections; the events due at one wake-up of the sender go
 * together to one connection, the next wake-up's to the next). For each total rate it prints one row:
 * achieved events/s (answers of 200 over the time from the window's start to the last answer), p50/p99/p99.9/max
 * latency, the mean batch, refusals, GC pauses, and the CPU time and heap bytes allocated per step of the
 * target process and of the generator's own (from the window's start until every answer is in); at the end,
 * heap and off-heap bytes per stream.
 * <pre>
 * java -cp examples/service/target/panama-rnn-service.jar dev.panamarnn.service.LoadGenerator \
 *      --target http --port 8080 --streams 10000 --rates 10000,25000,50000 --seconds 10 --warmup 3
 * java -XX:NativeMemoryTracking=summary -cp ... LoadGenerator --target bare --model FILE --streams 10000 --rates ...
 * </pre>
 */
@Command(name = "LoadGenerator", mixinStandardHelpOptions = true,
        description = "Open-loop load against the service over HTTP on loopback, or against the bare StreamBatcher in this JVM.")
public final class LoadGenerator implements Callable<Integer> {
    private static final int BODIES = 1024;

    /** What the load goes to. */
    enum Kind { HTTP, BARE }

    @Option(names = "--target", defaultValue = "http", paramLabel = "http|bare",
            description = "http: the service on 127.0.0.1:--port; bare: a StreamBatcher of --model in this JVM.")
    Kind kind;

    @Option(names = "--port", defaultValue = "8080", description = "The service's port (--target http).")
    @Range(min = 1, max = 65535)
    int port;

    @Option(names = "--model", paramLabel = "FILE", description = "The model file (--target bare).")
    Path model;

    @Option(names = "--streams", defaultValue = "1000", description = "Streams (client ids), sent to round robin.")
    @Range(min = 1, max = 1_000_000)
    int streams;

    @Option(names = "--rates", defaultValue = "10000", split = ",", paramLabel = "RATE",
            description = "Total offered events per second, one measured window each, in this order.")
    @Range(min = 1, max = 1_000_000)
    int[] rates;

    @Option(names = "--seconds", defaultValue = "10", description = "The measured window per rate.")
    @Range(min = 1, max = 600)
    int seconds;

    @Option(names = "--warmup", defaultValue = "3", description = "Seconds of load before each window, not measured.")
    @Range(min = 0, max = 600)
    int warmup;

    @Option(names = "--in-flight", defaultValue = "" + ServiceSettings.DEFAULT_QUEUE,
            description = "Events in flight at most (sent, not yet answered): the service's queue by default, so the open loop"
                    + " is not closed by the generator (at 50,000 events/s, 256 in flight bind at a round trip of 5 ms).")
    @Range(min = 1, max = 100_000)
    int inFlightLimit;

    @Option(names = "--connections", defaultValue = "16",
            description = "HTTP keep-alive connections; each burst of events goes to the next one, pipelined.")
    @Range(min = 1, max = 10_000)
    int connections;

    @Option(names = "--transport", defaultValue = "auto", paramLabel = "auto|epoll|nio",
            description = "The HTTP client's sockets: Linux's native epoll, Java NIO, or auto: epoll where it loads.")
    Transport transport;

    @Option(names = "--burst-micros", defaultValue = "200",
            description = "The sender waits at least this long between wake-ups; the events due meanwhile go out together"
                    + " (their latency still counts from their intended send times). 0: wake for each event's time.")
    @Range(min = 0, max = 100_000)
    int burstMicros;

    @Option(names = "--client-threads", defaultValue = "1", description = "The HTTP client's event-loop threads.")
    @Range(min = 1, max = 64)
    int clientThreads;

    @Option(names = "--max-batch", defaultValue = "" + ServiceSettings.DEFAULT_MAX_BATCH, description = "Rows per batch (--target bare).")
    @Range(min = 1, max = 4096)
    int maxBatch;

    @Option(names = "--queue", defaultValue = "" + ServiceSettings.DEFAULT_QUEUE, description = "The batcher's queue (--target bare).")
    @Range(min = 1, max = 1_000_000)
    int queue;

    @Option(names = "--settle-millis", defaultValue = "3000",
            description = "Wait after the last rate before measuring memory (the service evicts idle streams meanwhile).")
    @Range(min = 0, max = 600_000)
    int settleMillis;

    @Option(names = "--trace", description = "After each window, split the events' latency into their stages (the service must run"
            + " with --trace; the bare target always can), with the GC pauses and the machine's runnable threads at the slowest events.")
    boolean trace;

    @Spec
    CommandSpec spec;

    private final JvmStats own = new JvmStats();
    private MachineSampler machine;

    private LoadTarget target;
    private final float[] values = new float[BODIES];   // the events' values, one float each, sent in turn

    public static void main(String[] args) {
        ToolCommandLine.main(new LoadGenerator(), args);
    }

    @Override
    public Integer call() throws Exception {
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < BODIES; i++) {
            values[i] = (float) (random.nextGaussian());
        }
        long[] base;
        switch (kind) {
            case HTTP -> {
                target = new HttpTarget(port, streams, values, connections, clientThreads, transport);
                base = memory(target.stats(true));
            }
            case BARE -> {
                if (model == null) {
                    throw new ParameterException(spec.commandLine(), "--target bare needs --model FILE");
                }
                InferenceModel inference;
                try (SequenceModel trained = SequenceModel.load(model)) {
                    inference = InferenceModel.of(trained);
                }
                BlasThreads.set(inference, 1);
                base = new long[] {JvmStats.heapUsed(true), JvmStats.offHeapOther()};
                target = new BareTarget(inference, streams, values, maxBatch, queue);
            }
            default -> throw new IllegalStateException("unknown target " + kind);
        }
        machine = new MachineSampler(trace ? 10 : 500, rates.length * (warmup + seconds + 60) + 60);
        try (LoadTarget open = target; MachineSampler sampler = machine) {
            System.out.printf(Locale.ROOT, "%s, %d streams, at most %d in flight%s, %d s per rate after %d s warm-up%n",
                    kind.name().toLowerCase(Locale.ROOT), streams, inFlightLimit, kind == Kind.HTTP ? " on " + connections
                    + " connections (" + transport.resolved().name().toLowerCase(Locale.ROOT) + ")" : "", seconds, warmup);
            System.out.println("| offered ev/s | achieved ev/s | p50 us | p99 us | p99.9 us | max us | mean batch | 503 | errors"
                    + " | GC pauses (ms, longest) | CPU us/event: target, generator | heap bytes/event: target, generator |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|");
            for (int rate : rates) {
                run(rate, warmup, seconds);
            }
            Thread.sleep(settleMillis);   // let the service evict the idle streams
            long[] after = memory(target.stats(true));
            String s = target.stats(false);
            long states = value(s, "states_created");
            System.out.printf(Locale.ROOT, "memory: %d streams, %d live, %d states created; heap %+d bytes = %.0f per stream;"
                    + " off-heap (NMT Other) %+d bytes = %.0f per state%n",
                    value(s, "streams"), value(s, "live"), states, after[0] - base[0], (after[0] - base[0]) / (double) value(s, "streams"),
                    after[1] - base[1], base[1] < 0 ? Double.NaN : (after[1] - base[1]) / (double) states);
        }
        return 0;
    }

    /** One total rate: warm-up, then the measured window; prints its row. */
    private void run(int rate, int warmupSeconds, int seconds) throws Exception {
        ConcurrentHistogram latency = new ConcurrentHistogram(3);
        LongAdder ok = new LongAdder();
        LongAdder overloaded = new LongAdder();
        LongAdder errors = new LongAdder();
        LongAccumulator lastAnswer = new LongAccumulator(Math::max, 0);
        Semaphore inFlight = new Semaphore(inFlightLimit);
        double periodNanos = 1e9 / rate;
        long start = System.nanoTime() + 10_000_000;
        long measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
        String before = null;
        long generatorCpuBefore = 0;
        long generatorBytesBefore = 0;
        long burstNanos = TimeUnit.MICROSECONDS.toNanos(burstMicros);
        long lastWake = 0;
        long permitWaits = 0;         // measured events the sender could not send at once: --in-flight were out
        long permitWaitNanos = 0;
        CompletableFuture<ThreadWaits> targetThreadsBefore = null;
        CompletableFuture<ThreadWaits> ownThreadsBefore = null;
        long firstMeasured = (long) Math.ceil(TimeUnit.SECONDS.toNanos(warmupSeconds) / periodNanos);   // k of the window's first event
        LatencyBreakdown breakdown = trace ? new LatencyBreakdown((int) Math.min(Integer.MAX_VALUE - 8,
                (long) rate * seconds + 16)) : null;
        for (long k = 0; ; k++) {
            long intended = start + (long) (k * periodNanos);
            if (intended >= end) {
                break;
            }
            if (before == null && intended >= measureFrom) {
                target.flush();
                before = target.stats(false);
                long targetPid = value(before, "pid");
                targetThreadsBefore = CompletableFuture.supplyAsync(() -> ThreadWaits.read(targetPid));   // off the sender's thread
                ownThreadsBefore = CompletableFuture.supplyAsync(() -> ThreadWaits.read(ProcessHandle.current().pid()));
                generatorCpuBefore = JvmStats.processCpuNanos();
                generatorBytesBefore = JvmStats.allocatedBytes();
            }
            long now = System.nanoTime();
            if (now < intended) {
                target.flush();                  // what is due so far goes out before the wait
                long wake = Math.max(intended, lastWake + burstNanos);
                do {
                    LockSupport.parkNanos(wake - now);
                } while ((now = System.nanoTime()) < wake);
                lastWake = now;
            }
            if (!inFlight.tryAcquire()) {
                target.flush();
                long waitFrom = System.nanoTime();
                inFlight.acquire();
                if (intended >= measureFrom) {
                    permitWaits++;
                    permitWaitNanos += System.nanoTime() - waitFrom;
                }
            }
            boolean measured = intended >= measureFrom;
            int slot = (int) Math.min(Integer.MAX_VALUE, k - firstMeasured);
            long handed = breakdown == null ? 0 : System.nanoTime();
            target.send((int) (k % streams), (int) (k % BODIES), (status, sent, stages) -> {
                if (measured) {
                    long answered = System.nanoTime();
                    lastAnswer.accumulate(answered);
                    latency.recordValue(Math.max(0, (answered - intended) / 1000));
                    if (breakdown != null && status == 200) {
                        breakdown.record(slot, intended, handed, sent, stages, answered);
                    }
                    switch (status) {
                        case 200 -> ok.increment();
                        case 503 -> overloaded.increment();
                        default -> errors.increment();
                    }
                }
                inFlight.release();
            });
        }
        target.flush();
        if (!inFlight.tryAcquire(inFlightLimit, 60, TimeUnit.SECONDS)) {
            errors.add(inFlightLimit - inFlight.availablePermits());
        } else {
            inFlight.release(inFlightLimit);
        }
        String after = target.stats(false);
        ThreadWaits targetThreads = ThreadWaits.read(value(after, "pid"));
        ThreadWaits ownThreads = ThreadWaits.read(ProcessHandle.current().pid());
        long generatorCpu = JvmStats.processCpuNanos() - generatorCpuBefore;
        long generatorBytes = JvmStats.allocatedBytes() - generatorBytesBefore;
        if (before == null) {
            before = after;
        }
        // per step run from the window's start to the last answer (the bare target runs in this process: one figure)
        long steps = Math.max(1, value(after, "steps") - value(before, "steps"));
        double targetCpu = (value(after, "process_cpu_ns") - value(before, "process_cpu_ns")) / 1e3 / steps;
        double ownCpu = generatorCpu / 1e3 / steps;
        long targetBytes = value(before, "allocated_bytes") < 0 ? -1 : (value(after, "allocated_bytes") - value(before, "allocated_bytes")) / steps;
        long batches = value(after, "batches") - value(before, "batches");
        double meanBatch = batches == 0 ? 0 : (value(after, "steps") - value(before, "steps")) / (double) batches;
        Histogram h = latency;
        boolean bare = target instanceof BareTarget;
        System.out.printf(Locale.ROOT, "| %,d | %,.0f | %,d | %,d | %,d | %,d | %.1f | %,d | %,d | %d (%d ms, %d) | %.1f, %s | %s, %s |%n", rate,
                ok.sum() * 1e9 / (Math.max(end, lastAnswer.get()) - measureFrom), h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
                h.getMaxValue(), meanBatch, overloaded.sum(), errors.sum(), value(after, "gc_pauses") - value(before, "gc_pauses"),
                value(after, "gc_pause_ms") - value(before, "gc_pause_ms"), value(after, "gc_longest_pause_ms"), targetCpu,
                bare ? "(same process)" : String.format(Locale.ROOT, "%.1f", ownCpu),
                targetBytes < 0 ? "n/a" : String.format(Locale.ROOT, "%,d", targetBytes),
                bare ? "(same process)" : String.format(Locale.ROOT, "%,d", generatorBytes / steps));
        long windowEnd = Math.max(end, lastAnswer.get());
        double[] m = machine.window(measureFrom, windowEnd, Runtime.getRuntime().availableProcessors());
        double ours = ((value(after, "process_cpu_ns") - value(before, "process_cpu_ns")) + (bare ? 0 : generatorCpu))
                / (double) (windowEnd - measureFrom);
        System.out.printf(Locale.ROOT, "machine in the window: load average %s; CPUs busy %.2f of %d (ours %.2f, others %.2f), steal %.1f %%,"
                + " runnable threads %.1f on average%n", loadAverage(), m[3], Runtime.getRuntime().availableProcessors(), ours, m[3] - ours,
                100 * m[1], m[2]);
        System.out.printf(Locale.ROOT, "sender: %,d events waited for an in-flight permit (--in-flight %d), %.1f ms in all%n",
                permitWaits, inFlightLimit, permitWaitNanos / 1e6);
        if (targetThreadsBefore != null) {
            System.out.println((bare ? "this process: " : "target: ") + targetThreads.since(targetThreadsBefore.join(), windowEnd - measureFrom, 4));
            if (!bare) {
                System.out.println("generator: " + ownThreads.since(ownThreadsBefore.join(), windowEnd - measureFrom, 3));
            }
        }
        if (breakdown != null) {
            long[] targetPauses = JvmStats.parsePauseLog(text(after, "gc_pause_log"));
            breakdown.print(System.out, (int) Math.min(breakdown.capacity(), (long) Math.ceil((end - measureFrom) / periodNanos)),
                    targetPauses, bare ? targetPauses : JvmStats.parsePauseLog(own.pauseLog()), machine);
        }
    }

    private static long[] memory(String stats) {
        return new long[] {value(stats, "heap_used"), value(stats, "off_heap_other")};
    }

    /** The value of line {@code name value} in a stats text; -1 when absent. */
    static long value(String stats, String name) {
        String text = text(stats, name);
        return text == null ? -1 : Long.parseLong(text);
    }

    /** The text after {@code name } on its line in a stats text; null when absent. */
    static String text(String stats, String name) {
        for (String line : stats.split("\n")) {
            if (line.startsWith(name + " ")) {
                return line.substring(name.length() + 1).strip();
            }
        }
        return null;
    }

    private static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "n/a";
        }
    }
}
