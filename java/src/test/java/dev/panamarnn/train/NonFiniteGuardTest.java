package dev.panamarnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NonFiniteGuardTest {

    @Test
    void skipsUpToTheLimitInARowThenStops() {
        NonFiniteGuard guard = new NonFiniteGuard(2);
        assertTrue(guard.check(1.5, 3.0, 1));
        assertFalse(guard.check(Double.NaN, 3.0, 2));
        assertFalse(guard.check(1.0, Double.POSITIVE_INFINITY, 3));
        assertEquals(2, guard.consecutiveSkips());
        assertTrue(guard.check(1.0, 1.0, 4), "a finite step resets the run");
        assertEquals(0, guard.consecutiveSkips());
        assertFalse(guard.check(Double.NEGATIVE_INFINITY, 1.0, 5));
        assertFalse(guard.check(Double.NaN, Double.NaN, 6));
        var e = assertThrows(NonFiniteTrainingException.class, () -> guard.check(Double.NaN, 1.0, 7));
        assertEquals(3, e.consecutiveSkips());
        assertEquals(7, e.step());
        assertTrue(e.getMessage().contains("training stopped at step 7") && e.getMessage().contains("3 steps in a row")
                && e.getMessage().contains("at most 2"), e.getMessage());
        assertEquals(5, guard.totalSkips());
    }

    @Test
    void zeroAllowedStopsAtTheFirstAndNegativeIsRejected() {
        NonFiniteGuard strict = new NonFiniteGuard(0);
        assertTrue(strict.check(0, 0, 1));
        assertThrows(NonFiniteTrainingException.class, () -> strict.check(Double.NaN, 0, 2));
        var e = assertThrows(IllegalArgumentException.class, () -> new NonFiniteGuard(-1));
        assertTrue(e.getMessage().contains("maxConsecutiveSkips must be >= 0, got -1"), e.getMessage());
        assertTrue(NonFiniteGuard.isFinite(1, 2));
        assertFalse(NonFiniteGuard.isFinite(1, Double.NaN));
    }
}
