package dev.panamarnn.service;

import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StepCallback;
import dev.panamarnn.infer.StreamBatcher;
import dev.panamarnn.infer.StreamState;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The service's streams, without HTTP: one {@link ClientStream} per client id, every step through
 * one {@link StreamBatcher}, and idle streams evicted to snapshots (their {@link StreamState} goes
 * back to a {@link StatePool}) and restored on their next event.
 * <ul>
 * <li>Order: a stream's events are submitted to the batcher under the stream's monitor, so they run
 *     in the order they were accepted here; the batcher keeps that order.</li>
 * <li>No crossing: a stream is evicted only when none of its steps is in flight, under its monitor;
 *     a pooled state is reset before another stream gets it, and restored from that stream's own
 *     snapshot when it has one.</li>
 * <li>Backpressure: at most {@code queueCapacity} steps in flight, {@code maxStreams} client ids and
 *     {@code maxLive} live states; beyond, {@link OverloadedException} and nothing changes.</li>
 * </ul>
 */
final class StreamRegistry implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StreamRegistry.class.getName());
    private final InferenceModel model;
    private final ServiceSettings settings;
    private final StreamBatcher batcher;
    private final StatePool pool;
    private final ConcurrentHashMap<String, ClientStream> streams = new ConcurrentHashMap<>();
    private final AtomicInteger streamCount = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger live = new AtomicInteger();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder restores = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final ScheduledExecutorService sweeper;

    /** The result of one step: the model's outputs and the stream's event count after it. */
    record Result(float[] output, long events) {}

    StreamRegistry(InferenceModel model, ServiceSettings settings) {
        if (model.readsTokens()) {
            throw new IllegalArgumentException("this service takes float events; the model reads token ids (a language model): not served");
        }
        this.model = model;
        this.settings = settings;
        this.pool = new StatePool(model, settings.maxLive());
        StreamBatcher.Builder b = StreamBatcher.builder(model).maxBatch(settings.maxBatch()).queueCapacity(settings.queueCapacity());
        if (settings.batcherThreads() != null) {
            b.threadFactory(settings.batcherThreads());
        }
        this.batcher = b.build();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "panama-rnn-service-evictor");
            t.setDaemon(true);
            return t;
        });
        long every = Math.clamp(settings.idleAfter().toMillis() / 2, 1, 1000);
        sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    InferenceModel model() {
        return model;
    }

    /** Whether steps' answers carry their stage times ({@link ServiceSettings#trace()}). */
    boolean traced() {
        return settings.trace();
    }

    /** In a step's callback: when the batcher took its batch out of the queue ({@link StreamBatcher#batchCollectedNanos()}). */
    long batchCollectedNanos() {
        return batcher.batchCollectedNanos();
    }

    /** In a step's callback: the steps of its batch. */
    int batchSteps() {
        return batcher.batchSteps();
    }

    /** Receives one step's result on the batcher's thread: keep it short (the rest of the batch waits). */
    @FunctionalInterface
    interface StepDone {
        /** The model's outputs (the caller's array) and the stream's event count after the step; or a null output and the failure. */
        void done(float[] output, long events, Throwable failure);
    }

    /**
     * Submits {@code event} (the model's input width, finite) as stream {@code id}'s next step; the
     * batcher writes the outputs into {@code output} ({@link InferenceModel#outputSize()} floats) and
     * then calls {@code done} on its thread.
     */
    void step(String id, float[] event, float[] output, StepDone done) throws OverloadedException {
        ClientStream stream = streamOf(id);
        Step step = new Step(stream, done);
        synchronized (stream) {
            if (stream.live == null) {
                wake(stream);
            }
            if (inFlight.incrementAndGet() > settings.queueCapacity()) {
                inFlight.decrementAndGet();
                rejected.increment();
                throw new OverloadedException("the service's queue is full: " + settings.queueCapacity()
                        + " events are waiting; retry later");
            }
            stream.inFlight++;
            try {
                batcher.submit(stream.live, event, output, step);
            } catch (RejectedExecutionException e) {
                stream.inFlight--;
                inFlight.decrementAndGet();
                rejected.increment();
                throw new OverloadedException(e.getMessage());
            } catch (RuntimeException e) {
                stream.inFlight--;
                inFlight.decrementAndGet();
                throw e;
            }
        }
    }

    /** {@link #step(String, float[], float[], StepDone)} as a future, which completes on the batcher's thread. */
    CompletableFuture<Result> step(String id, float[] event) throws OverloadedException {
        CompletableFuture<Result> result = new CompletableFuture<>();
        step(id, event, new float[model.outputSize()], (output, events, failure) -> {
            if (failure == null) {
                result.complete(new Result(output, events));
            } else {
                result.completeExceptionally(failure);
            }
        });
        return result;
    }

    /** The stream of {@code id}, created at zero state if new and there is room. */
    private ClientStream streamOf(String id) throws OverloadedException {
        ClientStream stream = streams.get(id);
        if (stream != null) {
            return stream;
        }
        if (streamCount.incrementAndGet() > settings.maxStreams()) {
            streamCount.decrementAndGet();
            rejected.increment();
            throw new OverloadedException("the service holds its maximum of " + settings.maxStreams() + " streams");
        }
        ClientStream created = new ClientStream();
        created.lastUsedNanos = System.nanoTime();
        ClientStream raced = streams.putIfAbsent(id, created);
        if (raced != null) {
            streamCount.decrementAndGet();
            return raced;
        }
        return created;
    }

    /** Gives an evicted (or new) stream a live state: its snapshot restored, or zero. Holds the stream's monitor. */
    private void wake(ClientStream stream) throws OverloadedException {
        StreamState state = pool.take();
        if (state == null) {
            rejected.increment();
            throw new OverloadedException("all " + settings.maxLive() + " live stream states are in use; retry later");
        }
        if (stream.saved != null) {
            try {
                state.restore(stream.saved);
            } catch (RuntimeException e) {
                pool.give(state);
                throw new IllegalStateException("the stream's snapshot did not restore: " + e.getMessage(), e);
            }
            stream.saved = null;
            restores.increment();
        }
        stream.live = state;
        live.incrementAndGet();
    }

    /** One round of the evictor; a failure is logged and the next round runs (an exception would cancel the schedule). */
    private void sweep() {
        try {
            evictIdle(System.nanoTime());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "evicting idle streams failed", e);
        }
    }

    /** Evicts every live stream idle for longer than the setting; returns how many. */
    int evictIdle(long nowNanos) {
        long idleNanos = settings.idleAfter().toNanos();
        int evicted = 0;
        for (ClientStream stream : streams.values()) {
            StreamState freed = null;
            synchronized (stream) {
                if (stream.live != null && stream.inFlight == 0 && nowNanos - stream.lastUsedNanos >= idleNanos) {
                    stream.saved = stream.live.snapshot();
                    freed = stream.live;
                    stream.live = null;
                }
            }
            if (freed != null) {
                pool.give(freed);
                live.decrementAndGet();
                evictions.increment();
                evicted++;
            }
        }
        return evicted;
    }

    /** The stream of {@code id}, or null. */
    ClientStream find(String id) {
        return streams.get(id);
    }

    /** Events applied to stream {@code id}, or -1 when there is no such stream. */
    long events(String id) {
        ClientStream stream = find(id);
        if (stream == null) {
            return -1;
        }
        synchronized (stream) {
            return stream.events;
        }
    }

    /** Counters for /stats. */
    RegistryStats stats() {
        return new RegistryStats(streamCount.get(), live.get(), pool.created(), inFlight.get(), batcher.stepCount(),
                batcher.batchCount(), evictions.sum(), restores.sum(), rejected.sum());
    }

    /** Runs every accepted step, then frees every state. */
    @Override
    public void close() {
        sweeper.shutdownNow();
        batcher.close();
        for (ClientStream stream : streams.values()) {
            synchronized (stream) {
                if (stream.live != null) {
                    stream.live.close();
                    stream.live = null;
                }
            }
        }
        pool.close();
    }

    /** One step in flight: its stream's bookkeeping when it completes, then the caller's {@link StepDone}. */
    private final class Step implements StepCallback {
        final ClientStream stream;
        final StepDone done;

        Step(ClientStream stream, StepDone done) {
            this.stream = stream;
            this.done = done;
        }

        @Override
        public void completed(float[] y, Throwable failure) {
            long events;
            synchronized (stream) {
                stream.inFlight--;
                stream.lastUsedNanos = System.nanoTime();
                if (failure == null) {
                    stream.events++;
                }
                events = stream.events;
            }
            inFlight.decrementAndGet();
            done.done(y, events, failure);
        }
    }
}
