package dev.panamarnn.service;

import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import java.util.ArrayDeque;

/**
 * At most {@code capacity} {@link StreamState}s, created on demand and reused: creating and closing
 * a state costs tens of microseconds (a shared arena each; docs/streaming.md), a reset costs a fill.
 * Every state handed out is at zero state; a state returned is reset here.
 */
final class StatePool implements AutoCloseable {
    private final InferenceModel model;
    private final int capacity;
    private final ArrayDeque<StreamState> free = new ArrayDeque<>();  // guarded by this
    private int created;                                               // guarded by this
    private boolean closed;                                            // guarded by this

    StatePool(InferenceModel model, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("the pool needs at least 1 state, got " + capacity);
        }
        this.model = model;
        this.capacity = capacity;
    }

    /** A state at zero, or null when all {@code capacity} are taken. */
    synchronized StreamState take() {
        if (closed) {
            throw new IllegalStateException("the state pool is closed");
        }
        StreamState s = free.pollLast();
        if (s == null && created < capacity) {
            s = model.newStream();
            created++;
        }
        return s;
    }

    /** Gives a state back (reset here). */
    void give(StreamState state) {
        state.reset();
        synchronized (this) {
            if (closed) {
                state.close();
            } else {
                free.addLast(state);
            }
        }
    }

    /** States created so far (taken or free). */
    synchronized int created() {
        return created;
    }

    synchronized int free() {
        return free.size();
    }

    /** Closes the free states; a state still taken is closed when it is given back. */
    @Override
    public synchronized void close() {
        closed = true;
        for (StreamState s : free) {
            s.close();
        }
        free.clear();
    }
}
