package dev.panamarnn.service;

import java.util.function.IntConsumer;

/** What the load generator drives: the service over HTTP, or the bare batcher in process. */
interface LoadTarget extends AutoCloseable {
    /**
     * Sends stream {@code stream}'s next event, one float: the target's event value number {@code value};
     * {@code done} gets the status: 200 ok, 503 overloaded, another: an error, 0: an exception.
     * A target may hold the event until {@link #flush()}.
     */
    void send(int stream, int value, IntConsumer done);

    /** Sends the events held since the last flush (the generator calls it before it waits). */
    default void flush() {}

    /** The server's counters, one {@code name value} per line ({@code collect}: heap after a full GC). */
    String stats(boolean collect) throws Exception;

    @Override
    void close() throws Exception;
}
