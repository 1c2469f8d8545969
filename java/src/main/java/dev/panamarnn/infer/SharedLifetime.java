package dev.panamarnn.infer;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lifetime of memory that many threads use at once (an {@link InferenceModel}'s parameters):
 * a count of the calls in progress plus a closed flag, in one atomic int. A call enters with
 * {@link #tryEnter()} and leaves with {@link #exit()}; {@link #close()} only sets the flag and never
 * waits. The memory is freed exactly once, by whichever comes last: close() when no call is in
 * progress, otherwise the exit() of the last call. So a step that is running when the owner is
 * closed finishes on valid memory, and every later step is refused — no use after free.
 *
 * <p>Entering and leaving are one compare-and-set and one decrement; nothing is allocated.
 */
final class SharedLifetime {
    /** Set once by close(); the low bits count the calls in progress. */
    private static final int CLOSED = 1 << 30;

    private final AtomicInteger state = new AtomicInteger();
    private final Runnable free;
    private volatile boolean freed;

    /** @param free frees the memory; called once, on the thread that closes or leaves last */
    SharedLifetime(Runnable free) {
        this.free = free;
    }

    /** Enters a call; false when closed (the caller throws). */
    boolean tryEnter() {
        for (;;) {
            int s = state.get();
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (s == CLOSED - 1) {
                throw new IllegalStateException("more than " + (CLOSED - 1) + " concurrent calls");
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /** Leaves a call entered with {@link #tryEnter()}. */
    void exit() {
        if (state.decrementAndGet() == CLOSED) {   // closed, and this was the last call in progress
            release();
        }
    }

    /** Refuses every later call; frees the memory now, or when the last call in progress leaves. Idempotent. */
    void close() {
        for (;;) {
            int s = state.get();
            if ((s & CLOSED) != 0) {
                return;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                if (s == 0) {
                    release();
                }
                return;
            }
        }
    }

    boolean isOpen() {
        return (state.get() & CLOSED) == 0;
    }

    /** True once the memory has been freed (closed and no call in progress). */
    boolean isFreed() {
        return freed;
    }

    private void release() {
        freed = true;
        free.run();
    }
}
