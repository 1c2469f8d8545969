package dev.panamarnn.service;

import java.util.function.IntConsumer;

/** What the load generator drives: the service over HTTP, or the bare batcher in process. */
interface LoadTarget extends AutoCloseable {
    /**
     * Sends stream {@code stream}'s next event (a one-float body in {@code text}, its value in
     * {@code value}); {@code done} gets the status: 200 ok, 503 overloaded, another: an error, 0: an exception.
     */
    void send(int stream, String text, float value, IntConsumer done);

    /** The server's counters, one {@code name value} per line ({@code collect}: heap after a full GC). */
    String stats(boolean collect) throws Exception;

    @Override
    void close() throws Exception;
}
