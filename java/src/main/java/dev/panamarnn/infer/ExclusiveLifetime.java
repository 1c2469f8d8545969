package dev.panamarnn.infer;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lifetime of memory that one thread at a time may use (a {@link StreamState}): idle, busy or
 * closed, in one atomic int. {@link #tryEnter()} claims it (idle -> busy) and fails when it is busy
 * or closed, so two threads stepping one stream at once, or a reset racing a step, is a clear
 * exception instead of a corrupted state. {@link #close()} never waits: when a call is in progress
 * the memory is freed by that call's {@link #exit()}, so nothing ever touches freed memory.
 */
final class ExclusiveLifetime {
    static final int IDLE = 0;
    static final int BUSY = 1;
    static final int CLOSED = 2;

    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final Runnable free;

    /** @param free frees the memory; called once */
    ExclusiveLifetime(Runnable free) {
        this.free = free;
    }

    /** Claims the memory; returns {@link #IDLE} on success, else the state that refused it (BUSY or CLOSED bits). */
    int tryEnter() {
        return state.compareAndExchange(IDLE, BUSY);
    }

    /** Releases a claim made by {@link #tryEnter()}; frees the memory if close() came meanwhile. */
    void exit() {
        if (!state.compareAndSet(BUSY, IDLE)) {   // BUSY | CLOSED: closed during the call
            state.set(CLOSED);
            free.run();
        }
    }

    /** Refuses every later claim; frees now, or at the end of the call in progress. Idempotent. */
    void close() {
        for (;;) {
            int s = state.get();
            if ((s & CLOSED) != 0) {
                return;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                if (s == IDLE) {
                    free.run();
                }
                return;
            }
        }
    }

    boolean isOpen() {
        return (state.get() & CLOSED) == 0;
    }

    /** The exception for a refused claim, naming what was attempted. */
    static IllegalStateException refusal(int state, String what) {
        if ((state & CLOSED) != 0) {
            return new IllegalStateException("cannot " + what + ": this StreamState is closed");
        }
        return new IllegalStateException("cannot " + what + ": this StreamState is in use by another thread "
                + "(a stream is stepped, reset, saved or restored by one thread at a time; a step queued in a "
                + "StreamBatcher counts while its batch runs)");
    }
}
