package dev.panamarnn.internal.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The one gate of the library's off-heap allocations: a request is checked against a budget before
 * it reaches {@link Arena#allocate}, and a request the machine still refuses is reported the same
 * way. Both are an {@link IllegalArgumentException} that says what needed the memory, how much (in
 * readable units and exact bytes) and what to reduce — never an OutOfMemoryError, so a service that
 * is asked for an impossible size (a workspace of T = 100000, B = 20000) refuses that request and
 * keeps running.
 *
 * <p>The budget is the system property {@value #MAX_BYTES_PROPERTY} (bytes, or with a suffix k, m,
 * g, t in powers of 1024), read at each allocation; without it, the machine's physical memory (the
 * container's limit in a container). It bounds one request, not the sum of all of them: the
 * point is to refuse a size that cannot succeed before the allocator zero-fills it page by page.
 *
 * <p>This class is not where sizes are validated (shapes and int ranges are checked by each
 * owner's front door) nor where memory is freed (the arenas of the owners do that).
 */
public final class OffHeap {
    /** The system property that sets the largest single off-heap allocation, in bytes. */
    public static final String MAX_BYTES_PROPERTY = "rnn.maxOffHeapBytes";

    private OffHeap() {}

    /**
     * {@code bytes} of zeroed memory in {@code arena}, aligned to {@code alignment}.
     * @param what   what the memory is for, e.g. "the workspace (T=100, B=16)", completing "... would take N bytes"
     * @param reduce what to make smaller, e.g. "T or B"
     * @throws IllegalArgumentException when the request is over the budget or the machine cannot satisfy it
     */
    public static MemorySegment allocate(Arena arena, long bytes, long alignment, String what, String reduce) {
        check(bytes, what, reduce);
        try {
            return arena.allocate(bytes, alignment);
        } catch (OutOfMemoryError e) {
            // one native request failed; nothing else was disturbed, so it is reported like any refusal
            throw new IllegalArgumentException(what + " would take " + readable(bytes) + " of off-heap memory, which the machine could "
                    + "not allocate (" + e.getMessage() + "); reduce " + reduce, e);
        }
    }

    /**
     * Refuses a request over the budget before anything is allocated (an owner that makes several
     * allocations calls it once with their sum, so its message names the owner's sizes).
     * @throws IllegalArgumentException when {@code bytes} is over the budget
     */
    public static void check(long bytes, String what, String reduce) {
        if (bytes < 0) {
            throw new IllegalArgumentException(what + " has a negative byte count " + bytes);
        }
        long budget = budget();
        if (bytes > budget) {
            throw new IllegalArgumentException(what + " would take " + readable(bytes) + " of off-heap memory, more than the "
                    + readable(budget) + " one allocation may take (" + budgetSource() + "); reduce " + reduce);
        }
    }

    /** {@link #check(long, String, String)} for {@code copies} allocations of {@code bytesEach} (parameters and gradients). */
    public static void check(int copies, long bytesEach, String what, String reduce) {
        if (copies < 1 || bytesEach < 0) {
            throw new IllegalArgumentException(what + " has a bad byte count: " + copies + " x " + bytesEach);
        }
        if (bytesEach > Long.MAX_VALUE / copies) {
            throw new IllegalArgumentException(what + " would take " + copies + " x " + readable(bytesEach)
                    + " of off-heap memory, more than a byte count can hold; reduce " + reduce);
        }
        check(copies * bytesEach, what, reduce);
    }

    /** The largest single allocation, in bytes: the system property if set, else the physical memory. */
    public static long budget() {
        return budget(System.getProperty(MAX_BYTES_PROPERTY), OffHeap::physicalMemory);
    }

    /** The budget for a property value (null: unset), with {@code physical} asked only when the property is unset. */
    static long budget(String property, java.util.function.LongSupplier physical) {
        if (property == null) {
            return physical.getAsLong();
        }
        return parseBytes(property);
    }

    /** "8000000", "512m", "16g", "1t" (k, m, g, t: powers of 1024, either case); anything else is an IllegalArgumentException. */
    static long parseBytes(String value) {
        String s = value.strip().toLowerCase(Locale.ROOT);
        int shift = 0;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k' -> shift = 10;
                case 'm' -> shift = 20;
                case 'g' -> shift = 30;
                case 't' -> shift = 40;
                default -> { }
            }
        }
        String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > Long.MAX_VALUE >> shift) {
            throw new IllegalArgumentException("system property " + MAX_BYTES_PROPERTY + " is '" + value
                    + "'; expected a byte count >= 1, e.g. 8000000000 or 8g (k, m, g, t: powers of 1024)");
        }
        return n << shift;
    }

    private static String budgetSource() {
        return System.getProperty(MAX_BYTES_PROPERTY) != null ? "-D" + MAX_BYTES_PROPERTY
                : "the machine's physical memory; -D" + MAX_BYTES_PROPERTY + " sets another limit";
    }

    /** Total physical memory (the container's limit in a container), or Long.MAX_VALUE if the platform does not say. */
    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize();
            return total > 0 ? total : Long.MAX_VALUE;
        }
        return Long.MAX_VALUE;
    }

    /** "1.1 TiB (1234567890123 bytes)", "512 bytes". */
    public static String readable(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s (%d bytes)", v, units[u], bytes);
    }
}
