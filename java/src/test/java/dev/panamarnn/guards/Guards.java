package dev.panamarnn.guards;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one assertion of the guard suite: a call must throw exactly {@code type} (not a subclass,
 * not an exception from deep inside the FFM API) with a message that contains every fragment —
 * the name of the argument, the expected and the actual value. Counts the checks made, so the
 * suite can report how many cases it covers. Plain Java (no JUnit), so the child JVM can use it.
 */
final class Guards {
    /** Checks made in this JVM (expect, plus the behaviour checks of {@link #check}). */
    static final AtomicInteger CHECKS = new AtomicInteger();

    private Guards() {}

    /** A call that may throw anything. */
    @FunctionalInterface
    interface Call {
        void run() throws Throwable;
    }

    static <T extends Throwable> T expect(Class<T> type, Call call, String... fragments) {
        Throwable thrown = null;
        try {
            call.run();
        } catch (Throwable t) {
            thrown = t;
        }
        if (thrown == null) {
            throw new AssertionError("expected " + type.getSimpleName() + " naming " + Arrays.toString(fragments)
                    + ", but the call returned normally");
        }
        if (thrown.getClass() != type) {
            throw new AssertionError("expected " + type.getName() + " naming " + Arrays.toString(fragments) + ", got " + thrown, thrown);
        }
        String message = thrown.getMessage();
        for (String fragment : fragments) {
            if (message == null || !message.contains(fragment)) {
                throw new AssertionError(type.getSimpleName() + " must say '" + fragment + "', got: " + message, thrown);
            }
        }
        CHECKS.incrementAndGet();
        return type.cast(thrown);
    }

    /** A documented behaviour that is not an exception (NaN propagates, a NaN norm leaves gradients alone...). */
    static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
        CHECKS.incrementAndGet();
    }

    /** A call that must succeed (e.g. the valid call next to the invalid ones, so the invalid ones fail for their own reason). */
    static void ok(Call call) {
        try {
            call.run();
        } catch (Throwable t) {
            throw new AssertionError("a valid call failed: " + t, t);
        }
    }
}
