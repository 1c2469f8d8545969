package dev.panamarnn.service;

/**
 * The times of one step's stages in the service (with {@code --trace}), each a {@link System#nanoTime()}:
 * on Linux the clock is the machine's monotonic clock, the same in every process, so the load generator
 * sets them beside its own (send, receive) and splits each event's latency into its stages. The answer
 * carries them as one header, {@code X-Trace: read submitted collected computed drained written steps}:
 * <ul>
 * <li>read: the request's head came out of the decoder (event loop);</li>
 * <li>submitted: its step is in the batcher's queue (event loop);</li>
 * <li>collected: the batcher's worker took the step's batch out of the queue;</li>
 * <li>computed: its callback ran (worker: the batch computed, up to this row's part, and the callbacks before it);</li>
 * <li>drained: the outbox's task marked it ready on the event loop;</li>
 * <li>written: its bytes were encoded into the connection's write, flushed right after (event loop);</li>
 * <li>steps: the steps in its batch.</li>
 * </ul>
 * Not a production feature: it costs a clock read per stage and about 110 bytes more per
 * answer on the wire (no heap: each answer's trace and the encoder's text are reused).
 */
final class StageTrace {
    static final String HEADER = "X-Trace";
    /** Values in the header, in the order above. */
    static final int VALUES = 7;

    long read;
    long submitted;
    long collected;
    long computed;
    long drained;
    long written;
    int steps;

    /** Appends the header's value ({@link #VALUES} numbers separated by spaces) to {@code out}. */
    void format(StringBuilder out) {
        out.append(read).append(' ').append(submitted).append(' ').append(collected).append(' ').append(computed)
                .append(' ').append(drained).append(' ').append(written).append(' ').append(steps);
    }

    /** Parses a header value written by {@link #format} into {@code into} ({@link #VALUES} longs); false if it is not one. */
    static boolean parse(CharSequence value, long[] into) {
        int n = 0;
        long v = 0;
        boolean digits = false;
        for (int i = 0; i <= value.length(); i++) {
            char c = i < value.length() ? value.charAt(i) : ' ';
            if (c >= '0' && c <= '9') {
                if (v > (Long.MAX_VALUE - (c - '0')) / 10) {
                    return false;                       // beyond a long
                }
                v = v * 10 + (c - '0');
                digits = true;
            } else if (c == ' ' && digits && n < VALUES) {
                into[n++] = v;
                v = 0;
                digits = false;
            } else {
                return false;
            }
        }
        return n == VALUES;
    }
}
