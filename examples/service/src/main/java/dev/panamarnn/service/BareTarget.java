package dev.panamarnn.service;

import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamBatcher;
import dev.panamarnn.infer.StreamState;
import java.util.concurrent.RejectedExecutionException;

/**
 * The same load on the bare {@link StreamBatcher} in this process: one live {@link StreamState} per
 * stream, no HTTP, no registry, no eviction — what the service adds shows against this.
 */
final class BareTarget implements LoadTarget {
    private final InferenceModel model;
    private final StreamBatcher batcher;
    private final StreamState[] streams;
    private final float[][] values;          // (events, 1) the event values
    private final JvmStats jvm = new JvmStats();
    private final long[] stages = new long[StageTrace.VALUES];   // the worker's: a step's stage times, as the service's X-Trace

    BareTarget(InferenceModel model, int streamCount, float[] values, int maxBatch, int queueCapacity) {
        this.model = model;
        this.values = new float[values.length][];
        for (int v = 0; v < values.length; v++) {
            this.values[v] = new float[] {values[v]};
        }
        this.batcher = StreamBatcher.builder(model).maxBatch(maxBatch).queueCapacity(queueCapacity).build();
        this.streams = new StreamState[streamCount];
        for (int s = 0; s < streamCount; s++) {
            streams[s] = model.newStream();
        }
    }

    @Override
    public void send(int stream, int value, Reply done) {
        float[] output = new float[model.outputSize()];
        long submitted = System.nanoTime();
        try {
            batcher.submit(streams[stream], values[value], output, (y, failure) -> {
                long computed = System.nanoTime();   // no HTTP: read = submitted, drained = written = computed
                stages[0] = submitted;
                stages[1] = submitted;
                stages[2] = batcher.batchCollectedNanos();
                stages[3] = computed;
                stages[4] = computed;
                stages[5] = computed;
                stages[6] = batcher.batchSteps();
                done.answered(failure == null ? 200 : 500, submitted, stages);
            });
        } catch (RejectedExecutionException e) {
            done.answered(503, submitted, null);
        }
    }

    @Override
    public String stats(boolean collect) {
        return "streams " + streams.length + "\nlive " + streams.length + "\nstates_created " + streams.length
                + "\nsteps " + batcher.stepCount() + "\nbatches " + batcher.batchCount()
                + "\nheap_used " + JvmStats.heapUsed(collect) + "\noff_heap_other " + JvmStats.offHeapOther()
                + "\ngc_pauses " + jvm.pauses() + "\ngc_pause_ms " + jvm.pauseMillis()
                + "\ngc_longest_pause_ms " + jvm.longestPauseMillis() + "\ngc_pause_log " + jvm.pauseLog() + "\nprocess_cpu_ns " + JvmStats.processCpuNanos()
                + "\nallocated_bytes " + JvmStats.allocatedBytes() + "\npid " + ProcessHandle.current().pid() + "\n";
    }

    @Override
    public void close() {
        batcher.close();
        for (StreamState s : streams) {
            s.close();
        }
        model.close();
    }
}
