package dev.panamarnn.infer;

import dev.panamarnn.internal.memory.ExclusiveLifetime;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serves many concurrent streams of one {@link InferenceModel} by batching their pending steps
 * (DESIGN.md "Streaming inference"): any thread submits a stream's next event; one worker thread
 * gathers up to {@code maxBatch} pending steps of distinct streams, computes them together — per
 * layer one GEMM over all rows and one fused kernel (see {@link BatchWorkspace}; a batch of more
 * than 128 steps in parts of 128, each delivered before the next is computed) — scatters the new
 * states back to the streams and completes each step's future or callback. Throughput grows with
 * the number of concurrent streams instead of collapsing; every result equals stepping that stream
 * alone (to float rounding), whichever streams shared its batch.
 * <pre>{@code
 * try (StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(256).build()) {
 *     CompletableFuture<float[]> next = batcher.submit(stream, event);   // any thread
 * }
 * }</pre>
 * <ul>
 * <li>Order: the steps of one stream run in the order they were submitted (a later one waits for
 *     the next batch); steps of different streams have no order.</li>
 * <li>Micro-batching: the worker takes whatever is pending when it becomes free; with
 *     {@code maxWait} &gt; 0 it waits up to that long after the first pending step for more
 *     (larger batches at low load, at the price of that much latency).</li>
 * <li>Backpressure: at most {@code queueCapacity} steps wait; beyond that, and after close, submit
 *     throws {@link RejectedExecutionException} at once (nothing is queued).</li>
 * <li>A stream is owned by the batcher while its batch runs: a direct {@link StreamState#step} at
 *     that moment is an {@link IllegalStateException}, as is a step whose stream was closed.</li>
 * <li>Close: {@link #close()} stops accepting steps, runs every step already accepted (completing
 *     it, or failing it if its stream or the model is closed), then stops the worker — no step is lost
 *     or completed twice. Interrupting the thread that closes does not cut this short (its interrupt
 *     status is kept), and interrupts of the worker are ignored (they are cleared before each
 *     batch, so they do not leak into callbacks and dependent stages).</li>
 * </ul>
 * A whole model's streams ({@link InferenceModel#of(dev.panamarnn.model.SequenceModel)}) are served the
 * same way: each result is the head's output ({@link InferenceModel#outputSize()} floats); a token
 * model's events are submitted as token ids ({@link #submit(StreamState, int)} and the other
 * {@code int} overloads), a bad id refused at submit.
 * <p>Results are delivered on the worker thread: keep callbacks and dependent stages short, or use
 * the {@code ...Async} stages of {@link CompletableFuture}; never wait there for another step of
 * this batcher (the worker would wait for itself).
 */
public final class StreamBatcher implements AutoCloseable {
    private static final AtomicInteger THREADS = new AtomicInteger();
    /**
     * Most rows computed together: a larger batch is computed in parts of this many rows, each
     * gathered, stepped, scattered and delivered before the next (per row the product on packed
     * weights keeps its rate up to about this many rows, and the part's buffers stay in cache;
     * docs/performance.md "The StreamBatcher's closed loop").
     */
    static final int PART_ROWS = 128;

    private final InferenceModel model;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final int queueCapacity;
    private final int inputSize;
    private final int outputSize;             // H, or the head's outputs

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition pending = lock.newCondition();
    private final ArrayDeque<Request> queue = new ArrayDeque<>();   // guarded by lock
    private final ArrayDeque<Request> free = new ArrayDeque<>();    // guarded by lock: delivered requests, for reuse
    private boolean closed;                                         // guarded by lock
    private final Thread worker;

    // the worker's own
    private final BatchWorkspace workspace;
    private final ArrayDeque<Request> deferred = new ArrayDeque<>(); // later steps of streams already in the batch
    private final Request[] batch;
    private final Request[] rows;           // the claimed steps of the part being computed
    private final Request[] delivered;      // the part's steps once delivered, until they return to the pool
    private int batchSize;
    private long mark;
    private volatile long batchCollectedNanos;   // System.nanoTime() when the batch being run left the queue
    private volatile int batchSteps;             // the steps of the batch being run
    private volatile long batches;
    private volatile long steps;

    /**
     * One submitted step. Requests are pooled ({@code free}): a delivered one goes back with its
     * references cleared and is filled again by a later submit, so that a step submitted with a
     * callback allocates nothing once the pool has grown to the steps in flight.
     */
    private static final class Request {
        StreamState stream;
        final float[] input;            // (I) the batcher's copy of the event; unused for a token
        boolean hasInput;               // false: the step reads {@code token}
        int token;
        boolean reset;                  // zero the state before this step
        CompletableFuture<float[]> future;
        float[] output;                 // (outputs) the caller's, for a callback
        StepCallback callback;

        Request(int inputSize) {
            this.input = new float[inputSize];
        }

        /** Clears the references to the caller's objects before the request waits in the pool. */
        void clear() {
            stream = null;
            future = null;
            output = null;
            callback = null;
        }
    }

    private StreamBatcher(Builder b) {
        this.model = b.model;
        this.maxBatch = b.maxBatch;
        this.maxWaitNanos = b.maxWait.toNanos();
        this.queueCapacity = b.queueCapacity;
        this.inputSize = model.inputSize();
        this.outputSize = model.outputSize();
        this.batch = new Request[maxBatch];
        this.rows = new Request[Math.min(maxBatch, PART_ROWS)];
        this.delivered = new Request[rows.length];
        this.workspace = new BatchWorkspace(model, rows.length);
        ThreadFactory factory = b.threadFactory != null ? b.threadFactory : r -> {
            Thread t = new Thread(r, "panama-rnn-batcher-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.worker = factory.newThread(this::work);
        if (worker == null) {
            workspace.close();
            throw new IllegalArgumentException("the thread factory returned null");
        }
        worker.start();
    }

    /** A builder for a batcher over {@code model}. */
    public static Builder builder(InferenceModel model) {
        if (model == null) {
            throw new IllegalArgumentException("model is required");
        }
        return new Builder(model);
    }

    /** Settings; defaults: maxBatch 64, maxWait 0, queueCapacity 4096, a daemon worker thread. */
    public static final class Builder {
        private final InferenceModel model;
        private int maxBatch = 64;
        private Duration maxWait = Duration.ZERO;
        private int queueCapacity = 4096;
        private ThreadFactory threadFactory;

        private Builder(InferenceModel model) {
            this.model = model;
        }

        /**
         * Most rows per batch (>= 1). The batch buffers hold min(maxBatch, 128) rows, (I + (2 + G + 2L) H) floats
         * per row, plus K + outputs with a head; a larger batch is computed in parts of 128 rows.
         */
        public Builder maxBatch(int rows) {
            if (rows < 1) {
                throw new IllegalArgumentException("maxBatch must be >= 1, got " + rows);
            }
            this.maxBatch = rows;
            return this;
        }

        /** How long the worker may wait for more steps after the first pending one (>= 0; 0: no waiting). */
        public Builder maxWait(Duration wait) {
            if (wait == null || wait.isNegative()) {
                throw new IllegalArgumentException("maxWait must be >= 0, got " + wait);
            }
            this.maxWait = wait;
            return this;
        }

        /** Most steps waiting to be batched (>= 1); submit beyond it is rejected. */
        public Builder queueCapacity(int steps) {
            if (steps < 1) {
                throw new IllegalArgumentException("queueCapacity must be >= 1, got " + steps);
            }
            this.queueCapacity = steps;
            return this;
        }

        /** Makes the worker thread (default: a daemon platform thread "panama-rnn-batcher-N"). */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = factory;
            return this;
        }

        public StreamBatcher build() {
            model.enter();   // refuses a closed model
            try {
                return new StreamBatcher(this);
            } finally {
                model.exit();
            }
        }
    }

    // ---- submitting ----

    /** The stream's next step; the future gets the top layer's h_t (a new array of H floats), or the head's outputs. */
    public CompletableFuture<float[]> submit(StreamState stream, float[] input) {
        return submitFuture(stream, input, false);
    }

    /** Like {@link #submit(StreamState, float[])}, but the stream first resets to zero state (a new sequence). */
    public CompletableFuture<float[]> submitAfterReset(StreamState stream, float[] input) {
        return submitFuture(stream, input, true);
    }

    /** The stream's next step; its output is written into {@code output} ({@link InferenceModel#outputSize()} floats) before {@code callback} runs. */
    public void submit(StreamState stream, float[] input, float[] output, StepCallback callback) {
        submitCallback(stream, input, output, callback, false);
    }

    /** Like {@link #submit(StreamState, float[], float[], StepCallback)} after a reset of the stream. */
    public void submitAfterReset(StreamState stream, float[] input, float[] output, StepCallback callback) {
        submitCallback(stream, input, output, callback, true);
    }

    /**
     * A token model's next step: the stream reads token {@code tokenId}; the future gets the head's
     * outputs. An id outside [0, V) is an {@link IllegalArgumentException} here, and nothing is queued.
     */
    public CompletableFuture<float[]> submit(StreamState stream, int tokenId) {
        return submitFuture(stream, tokenId, false);
    }

    /** Like {@link #submit(StreamState, int)}, but the stream first resets to zero state (a new sequence). */
    public CompletableFuture<float[]> submitAfterReset(StreamState stream, int tokenId) {
        return submitFuture(stream, tokenId, true);
    }

    /** A token model's next step; the head's outputs are written into {@code output} before {@code callback} runs. */
    public void submit(StreamState stream, int tokenId, float[] output, StepCallback callback) {
        submitCallback(stream, tokenId, output, callback, false);
    }

    /** Like {@link #submit(StreamState, int, float[], StepCallback)} after a reset of the stream. */
    public void submitAfterReset(StreamState stream, int tokenId, float[] output, StepCallback callback) {
        submitCallback(stream, tokenId, output, callback, true);
    }

    private CompletableFuture<float[]> submitFuture(StreamState stream, float[] input, boolean reset) {
        check(stream, input);
        CompletableFuture<float[]> future = new CompletableFuture<>();
        enqueue(stream, input, -1, reset, future, null, null);
        return future;
    }

    private CompletableFuture<float[]> submitFuture(StreamState stream, int tokenId, boolean reset) {
        check(stream, tokenId);
        CompletableFuture<float[]> future = new CompletableFuture<>();
        enqueue(stream, null, tokenId, reset, future, null, null);
        return future;
    }

    private void submitCallback(StreamState stream, float[] input, float[] output, StepCallback callback, boolean reset) {
        check(stream, input);
        checkCallback(output, callback);
        enqueue(stream, input, -1, reset, null, output, callback);
    }

    private void submitCallback(StreamState stream, int tokenId, float[] output, StepCallback callback, boolean reset) {
        check(stream, tokenId);
        checkCallback(output, callback);
        enqueue(stream, null, tokenId, reset, null, output, callback);
    }

    private void checkCallback(float[] output, StepCallback callback) {
        if (output == null || output.length != outputSize) {
            throw new IllegalArgumentException("output must have " + outputSize + " floats, got "
                    + (output == null ? "null" : output.length + ""));
        }
        if (callback == null) {
            throw new IllegalArgumentException("callback is required");
        }
    }

    private void check(StreamState stream, int tokenId) {
        checkStream(stream);
        InputStage stage = model.input();
        if (!stage.tokens()) {
            throw new IllegalArgumentException("this model reads " + inputSize + " floats per event, not token ids: submit a float[]");
        }
        stage.checkToken(tokenId);
        checkOpen(stream);
    }

    private void check(StreamState stream, float[] input) {
        checkStream(stream);
        if (model.readsTokens()) {
            throw new IllegalArgumentException("this model reads token ids in [0, " + model.vocabularySize()
                    + "), not float events: submit an int token id");
        }
        if (input == null || input.length != inputSize) {
            throw new IllegalArgumentException("input must have " + inputSize + " floats, got "
                    + (input == null ? "null" : input.length + ""));
        }
        checkOpen(stream);
    }

    private void checkStream(StreamState stream) {
        if (stream == null) {
            throw new IllegalArgumentException("stream is required");
        }
        if (stream.model() != model) {
            throw new IllegalArgumentException("the stream belongs to another InferenceModel (" + stream.model()
                    + ") than this batcher (" + model + ")");
        }
    }

    private void checkOpen(StreamState stream) {
        if (!stream.isOpen()) {
            throw new IllegalStateException("cannot submit a step: this StreamState is closed");
        }
        if (!model.isOpen()) {
            throw new IllegalStateException("cannot submit a step: the InferenceModel is closed");
        }
    }

    /** Queues a step: a pooled request filled with the step, the event copied into it (input null: token). */
    private void enqueue(StreamState stream, float[] input, int token, boolean reset, CompletableFuture<float[]> future,
                         float[] output, StepCallback callback) {
        lock.lock();
        try {
            if (closed) {
                throw new RejectedExecutionException("this StreamBatcher is closed");
            }
            if (queue.size() >= queueCapacity) {
                throw new RejectedExecutionException("the StreamBatcher's queue is full: " + queueCapacity
                        + " steps are waiting (queueCapacity " + queueCapacity + "); retry later, shed load or raise queueCapacity");
            }
            Request r = free.poll();
            if (r == null) {
                r = new Request(model.readsTokens() ? 0 : inputSize);
            }
            r.stream = stream;
            r.hasInput = input != null;
            if (input != null) {
                System.arraycopy(input, 0, r.input, 0, inputSize);
            }
            r.token = token;
            r.reset = reset;
            r.future = future;
            r.output = output;
            r.callback = callback;
            queue.add(r);
            pending.signal();
        } finally {
            lock.unlock();
        }
    }

    // ---- the worker ----

    private void work() {
        Throwable failure = null;
        try {
            while (collect()) {
                batchCollectedNanos = System.nanoTime();
                batchSteps = batchSize;
                Thread.interrupted();   // an interrupt of the worker is ignored: it must not reach the callbacks
                runBatch();
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            failRemaining(failure);
            workspace.close();
        }
    }

    /** Fills batch[0..batchSize) with steps of distinct streams, oldest first; false when closed and drained. */
    private boolean collect() {
        batchSize = 0;
        mark++;
        for (int i = 0, n = deferred.size(); i < n; i++) {      // earlier-deferred steps first, order kept
            Request r = deferred.poll();
            if (!take(r)) {
                deferred.add(r);
            }
        }
        lock.lock();
        try {
            while (batchSize == 0 && queue.isEmpty()) {
                if (closed) {
                    return false;
                }
                pending.awaitUninterruptibly();
            }
            long deadline = System.nanoTime() + maxWaitNanos;
            for (;;) {
                Request r;
                while (batchSize < maxBatch && deferred.size() < maxBatch && (r = queue.poll()) != null) {
                    if (!take(r)) {
                        deferred.add(r);
                    }
                }
                long left = deadline - System.nanoTime();
                if (batchSize >= maxBatch || deferred.size() >= maxBatch || closed || left <= 0) {
                    return true;
                }
                try {
                    pending.awaitNanos(left);
                } catch (InterruptedException e) {
                    // the worker ignores interrupts: it stops when closed, after running every accepted step
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Puts r in the batch unless the batch is full or already has a step of r's stream. */
    private boolean take(Request r) {
        StreamState s = r.stream;
        if (batchSize >= maxBatch || (s.batchOwner == this && s.batchMark == mark)) {
            return false;
        }
        s.batchOwner = this;
        s.batchMark = mark;
        batch[batchSize++] = r;
        return true;
    }

    /** The batch in parts of at most PART_ROWS steps. */
    private void runBatch() {
        for (int from = 0; from < batchSize; from += PART_ROWS) {
            runPart(from, Math.min(batchSize, from + PART_ROWS));
        }
    }

    /** Gather, step, scatter, deliver batch[from..to). A refused stream fails only its own step. */
    private void runPart(int from, int to) {
        int count = 0;
        if (!model.tryEnter()) {
            IllegalStateException closedModel = new IllegalStateException("cannot step: the InferenceModel is closed");
            for (int i = from; i < to; i++) {
                fail(batch[i], closedModel);
                batch[i] = null;
            }
            return;
        }
        Throwable failure = null;
        try {
            for (int i = from; i < to; i++) {
                Request r = batch[i];
                batch[i] = null;
                int state = r.stream.tryClaim();
                if (state != ExclusiveLifetime.IDLE) {
                    fail(r, r.stream.refusal(state, "step"));
                    continue;
                }
                rows[count++] = r;
                if (r.hasInput) {
                    workspace.gather(count - 1, r.stream, r.input, r.reset);
                } else {
                    workspace.gather(count - 1, r.stream, r.token, r.reset);
                }
            }
            if (count > 0) {
                try {
                    workspace.run(count);
                    for (int b = 0; b < count; b++) {
                        workspace.scatter(b, rows[b].stream);
                    }
                } catch (RuntimeException | Error e) {
                    failure = e;   // the streams keep their old state: nothing was scattered, or all of it
                }
            }
        } finally {
            for (int b = 0; b < count; b++) {   // every claim is released, even when gather failed unexpectedly
                rows[b].stream.release();
            }
            model.exit();
        }
        if (from == 0) {
            batches++;
        }
        // counted before delivery: a caller that has seen its results complete also sees them counted
        steps += failure == null ? count : 0;
        for (int b = 0; b < count; b++) {   // deliver outside every claim: callbacks may step, submit or close
            Request r = rows[b];
            rows[b] = null;
            delivered[b] = r;
            if (failure != null) {
                fail(r, failure);
            } else {
                deliver(r, b);
            }
        }
        recycle(count);
    }

    /** Returns delivered[0..count) to the pool. */
    private void recycle(int count) {
        lock.lock();
        try {
            for (int b = 0; b < count; b++) {
                delivered[b].clear();
                free.add(delivered[b]);
                delivered[b] = null;
            }
        } finally {
            lock.unlock();
        }
    }

    private void deliver(Request r, int row) {
        if (r.future != null) {
            float[] out = new float[outputSize];
            workspace.output(row, out);
            r.future.complete(out);
        } else {
            workspace.output(row, r.output);
            call(r.callback, r.output, null);
        }
    }

    private static void fail(Request r, Throwable failure) {
        if (r.future != null) {
            r.future.completeExceptionally(failure);
        } else {
            call(r.callback, null, failure);
        }
    }

    /**
     * Runs a callback; what it throws is ignored (documented in {@link StepCallback}), assertion
     * errors included, so one bad callback neither stops the worker nor fails the other steps of
     * its batch. Only a {@link VirtualMachineError} (out of memory, stack overflow) goes on.
     */
    private static void call(StepCallback callback, float[] output, Throwable failure) {
        try {
            callback.completed(output, failure);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (RuntimeException | Error e) {
            // ignored, as documented
        }
    }

    /** After the loop: nothing is left on a normal stop; after an unexpected error everything left fails. */
    private void failRemaining(Throwable failure) {
        List<Request> left = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            left.addAll(queue);
            queue.clear();
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < batch.length; i++) {
            if (batch[i] != null) {
                left.add(batch[i]);
                batch[i] = null;
            }
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] != null) {
                left.add(rows[i]);
                rows[i] = null;
            }
        }
        left.addAll(deferred);
        deferred.clear();
        IllegalStateException reason = new IllegalStateException("the StreamBatcher's worker stopped"
                + (failure == null ? "" : " after an unexpected error: " + failure), failure);
        for (Request r : left) {
            fail(r, reason);
        }
    }

    // ---- state and shutdown ----

    public InferenceModel model() {
        return model;
    }

    /** Steps accepted but not yet batched. */
    public int pending() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Read in a callback or dependent stage (on the worker): the {@link System#nanoTime()} at which
     * the worker took the batch being delivered out of the queue. A step's queue wait is this minus
     * its submit time, its compute time the callback's time minus this (a service's latency
     * breakdown; examples/service traces it).
     */
    public long batchCollectedNanos() {
        return batchCollectedNanos;
    }

    /** Read in a callback (on the worker): the steps of the batch being delivered, all its parts. */
    public int batchSteps() {
        return batchSteps;
    }

    /** Batches run so far. */
    public long batchCount() {
        return batches;
    }

    /** Steps completed successfully so far; stepCount() / batchCount() is the mean batch size. */
    public long stepCount() {
        return steps;
    }

    public boolean isOpen() {
        lock.lock();
        try {
            return !closed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops accepting steps, runs every accepted step, and waits for the worker to stop (unless
     * called from the worker itself, e.g. in a callback: then it returns at once and the worker
     * stops after the current batch and everything still pending). Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            pending.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == worker) {
            return;
        }
        boolean interrupted = false;
        while (worker.isAlive()) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                interrupted = true;   // keep waiting: returning early would leave steps running
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "StreamBatcher[maxBatch=" + maxBatch + ", maxWait=" + maxWaitNanos + "ns, queueCapacity=" + queueCapacity
                + ", " + model + "]";
    }
}
