package dev.panamarnn.service;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;

/**
 * The service's limits.
 *
 * @param maxStreams     client ids held at most (live or evicted); a new id beyond is refused (503)
 * @param maxLive        live {@link dev.panamarnn.infer.StreamState}s at most (off-heap); the others are snapshots
 * @param queueCapacity  steps in flight at most; beyond, 503
 * @param maxBatch       rows per batch of the {@link dev.panamarnn.infer.StreamBatcher}
 * @param idleAfter      a stream with no step for this long is evicted to a snapshot
 * @param batcherThreads the batcher's thread factory, or null for its default
 * @param trace          each step's answer carries its stage times ({@link StageTrace}); off in production
 */
record ServiceSettings(int maxStreams, int maxLive, int queueCapacity, int maxBatch, Duration idleAfter,
                       ThreadFactory batcherThreads, boolean trace) {
    /** The command line's defaults (ServiceMain): 200,000 streams, 16,384 live, queue 4096, batches of 256, evicted after 1 s idle. */
    static final int DEFAULT_MAX_STREAMS = 200_000;
    static final int DEFAULT_MAX_LIVE = 16_384;
    static final int DEFAULT_QUEUE = 4096;
    static final int DEFAULT_MAX_BATCH = 256;
    static final int DEFAULT_IDLE_MILLIS = 1000;

    ServiceSettings(int maxStreams, int maxLive, int queueCapacity, int maxBatch, Duration idleAfter, ThreadFactory batcherThreads) {
        this(maxStreams, maxLive, queueCapacity, maxBatch, idleAfter, batcherThreads, false);
    }

    ServiceSettings {
        positive("maxStreams", maxStreams);
        positive("maxLive", maxLive);
        positive("queueCapacity", queueCapacity);
        positive("maxBatch", maxBatch);
        if (idleAfter == null || idleAfter.isNegative() || idleAfter.isZero()) {
            throw new IllegalArgumentException("idleAfter must be positive, got " + idleAfter);
        }
    }

    ServiceSettings withIdleAfter(Duration value) {
        return new ServiceSettings(maxStreams, maxLive, queueCapacity, maxBatch, value, batcherThreads, trace);
    }

    ServiceSettings withQueueCapacity(int value) {
        return new ServiceSettings(maxStreams, maxLive, value, maxBatch, idleAfter, batcherThreads, trace);
    }

    ServiceSettings withBatcherThreads(ThreadFactory value) {
        return new ServiceSettings(maxStreams, maxLive, queueCapacity, maxBatch, idleAfter, value, trace);
    }

    ServiceSettings withTrace(boolean value) {
        return new ServiceSettings(maxStreams, maxLive, queueCapacity, maxBatch, idleAfter, batcherThreads, value);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }
}
