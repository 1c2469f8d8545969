package dev.panamarnn.internal.memory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lifetime of memory that one thread at a time may use (a StreamState, a Workspace, a
 * SequenceModel): idle, busy or closed, in one atomic int. {@link #tryEnter()} claims it
 * (idle -> busy) and fails when it is busy or closed, so two threads stepping one stream at once, or
 * running passes on one workspace at once, is a clear exception instead of a corrupted state or
 * wrong outputs. {@link #close()} never waits: when a call is in progress the memory is freed by
 * that call's {@link #exit()}, so nothing ever touches freed memory. Entering and leaving are one
 * compare-and-set each and allocate nothing.
 */
public final class ExclusiveLifetime {
    public static final int IDLE = 0;
    static final int BUSY = 1;
    static final int CLOSED = 2;

    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final Runnable free;
    private final String owner;
    private final String rule;

    /**
     * @param free  frees the memory; called once
     * @param owner the owner as messages name it, e.g. "StreamState"
     * @param rule  the rule a concurrent call broke, for the message, e.g. "(a stream is stepped ... by one thread at a time)"
     */
    public ExclusiveLifetime(Runnable free, String owner, String rule) {
        this.free = free;
        this.owner = owner;
        this.rule = rule;
    }

    /** Claims the memory, or throws {@link #refusal} naming {@code what} was attempted. */
    public void enter(String what) {
        int s = tryEnter();
        if (s != IDLE) {
            throw refusal(s, what);
        }
    }

    /** Claims the memory; returns {@link #IDLE} on success, else the state that refused it (BUSY or CLOSED bits). */
    public int tryEnter() {
        return state.compareAndExchange(IDLE, BUSY);
    }

    /** Releases a claim made by {@link #tryEnter()}; frees the memory if close() came meanwhile. */
    public void exit() {
        if (!state.compareAndSet(BUSY, IDLE)) {   // BUSY | CLOSED: closed during the call
            state.set(CLOSED);
            free.run();
        }
    }

    /** Refuses every later claim; frees now, or at the end of the call in progress. Idempotent. */
    public void close() {
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

    public boolean isOpen() {
        return (state.get() & CLOSED) == 0;
    }

    /** The exception for a claim refused in {@code state}, naming what was attempted. */
    public IllegalStateException refusal(int state, String what) {
        if ((state & CLOSED) != 0) {
            return new IllegalStateException("cannot " + what + ": this " + owner + " is closed");
        }
        return new IllegalStateException("cannot " + what + ": this " + owner + " is in use by another thread " + rule);
    }
}
