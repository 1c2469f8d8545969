package dev.panamarnn.service;

/** What the load generator drives: the service over HTTP, or the bare batcher in process. */
interface LoadTarget extends AutoCloseable {
    /**
     * Sends stream {@code stream}'s next event, one float: the target's event value number {@code value};
     * {@code done} gets its answer. A target may hold the event until {@link #flush()}.
     */
    void send(int stream, int value, Reply done);

    /** Sends the events held since the last flush (the generator calls it before it waits). */
    default void flush() {}

    /** The server's counters, one {@code name value} per line ({@code collect}: heap after a full GC). */
    String stats(boolean collect) throws Exception;

    @Override
    void close() throws Exception;

    /** An event's answer. */
    @FunctionalInterface
    interface Reply {
        /**
         * {@code status}: 200 ok, 503 overloaded, another: an error, 0: an exception; {@code sentNanos}: when the
         * request was handed to the socket (or to the batcher); {@code stages}: the answer's {@link StageTrace}
         * values, or null when it carries none (valid during the call only).
         */
        void answered(int status, long sentNanos, long[] stages);
    }
}
