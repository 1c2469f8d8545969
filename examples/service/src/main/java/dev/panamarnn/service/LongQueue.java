package dev.panamarnn.service;

/** A first-in first-out queue of longs in a growing ring (one thread), without boxing. */
final class LongQueue {
    private long[] ring = new long[64];
    private int head;       // the oldest value
    private int size;

    void add(long value) {
        if (size == ring.length) {
            long[] grown = new long[2 * size];
            int tail = size - head;
            System.arraycopy(ring, head, grown, 0, tail);
            System.arraycopy(ring, 0, grown, tail, head);
            ring = grown;
            head = 0;
        }
        ring[(head + size) % ring.length] = value;
        size++;
    }

    /** The oldest value, removed; {@code Long.MIN_VALUE} when empty. */
    long poll() {
        if (size == 0) {
            return Long.MIN_VALUE;
        }
        long value = ring[head];
        head = (head + 1) % ring.length;
        size--;
        return value;
    }

    int size() {
        return size;
    }
}
