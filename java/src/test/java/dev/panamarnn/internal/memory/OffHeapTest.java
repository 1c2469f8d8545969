package dev.panamarnn.internal.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The budget's property syntax and the readable byte counts of the messages. */
class OffHeapTest {

    @Test
    void theBudgetIsThePropertyElseThePhysicalMemory() {
        assertEquals(123, OffHeap.budget(null, () -> 123));
        assertEquals(8000, OffHeap.budget("8000", () -> { throw new AssertionError("not asked when the property is set"); }));
        assertEquals(2048, OffHeap.parseBytes("2k"));
        assertEquals(3L << 20, OffHeap.parseBytes("3M"));
        assertEquals(16L << 30, OffHeap.parseBytes(" 16g "));
        assertEquals(1L << 40, OffHeap.parseBytes("1t"));
        for (String bad : new String[] {"", "g", "0", "-5", "1.5g", "8388608t", "99999999999999999999"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> OffHeap.parseBytes(bad), bad);
            assertEquals("system property rnn.maxOffHeapBytes is '" + bad + "'; expected a byte count >= 1, e.g. 8000000000 or 8g "
                    + "(k, m, g, t: powers of 1024)", e.getMessage());
        }
    }

    @Test
    void readableUnits() {
        assertEquals("0 bytes", OffHeap.readable(0));
        assertEquals("1023 bytes", OffHeap.readable(1023));
        assertEquals("1.0 KiB (1024 bytes)", OffHeap.readable(1024));
        assertEquals("1.5 MiB (1572864 bytes)", OffHeap.readable(3L << 19));
        assertEquals("1.1 TiB (1200000000000 bytes)", OffHeap.readable(1_200_000_000_000L));
        assertEquals("8.0 EiB (9223372036854775807 bytes)", OffHeap.readable(Long.MAX_VALUE));
    }
}
