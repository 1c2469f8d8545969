package dev.panamarnn.options;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The ranges of a command's options, defaults, lists and arrays included, NaN in none of them. */
class OptionRangesTest {
    @Command(name = "tool")
    static final class Tool implements Runnable {
        @Option(names = "--count", defaultValue = "3")
        @Range(min = 1, max = 10)
        int count;
        @Option(names = "--rate", defaultValue = "0.5")
        @Range(min = 0, max = 1)
        double rate;
        @Option(names = "--sizes", split = ",")
        @Range(min = 1, max = 100)
        List<Integer> sizes;
        @Option(names = "--weights", split = ",")
        @Range(min = 0, max = 2.5)
        double[] weights;
        @Option(names = "--unbounded")
        long unbounded;

        @Override
        public void run() {}
    }

    private static void check(String... args) {
        OptionRanges.check(new CommandLine(new Tool()).parseArgs(args));
    }

    @Test
    void valuesInRangeAndDefaultsPass() {
        assertDoesNotThrow(() -> check());
        assertDoesNotThrow(() -> check("--count", "10", "--rate", "0", "--sizes", "1,100", "--weights", "2.5", "--unbounded", "-9"));
    }

    @Test
    void aValueOutOfRangeNamesTheOptionTheRangeAndTheValue() {
        assertEquals("--count must be in [1, 10], got 11", assertThrows(ParameterException.class, () -> check("--count", "11")).getMessage());
        assertEquals("--rate must be in [0, 1], got NaN", assertThrows(ParameterException.class, () -> check("--rate", "NaN")).getMessage());
        assertEquals("--sizes must be in [1, 100], got 0", assertThrows(ParameterException.class, () -> check("--sizes", "5,0")).getMessage());
        assertEquals("--weights must be in [0, 2.5], got Infinity",
                assertThrows(ParameterException.class, () -> check("--weights", "1,Infinity")).getMessage());
    }
}
