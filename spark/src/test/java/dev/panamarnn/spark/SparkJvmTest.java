package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SparkJvmTest {
    @Test
    void refusesJdk25BuildsBefore25_0_3() {
        for (String v : new String[] {"25", "25.0.1", "25.0.2+7", "24.0.2", "21.0.9"}) {
            assertFalse(SparkJvm.supported(Runtime.Version.parse(v)), v);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SparkJvm.require(Runtime.Version.parse("25.0.2+7"), "executor"));
        assertTrue(e.getMessage().contains("25.0.3") && e.getMessage().contains("executor runs Java 25.0.2+7")
                && e.getMessage().contains("G1"), e.getMessage());
    }

    @Test
    void acceptsJdk25_0_3AndLater() {
        for (String v : new String[] {"25.0.3", "25.0.3+9-LTS", "25.0.4", "25.1", "26", "27.0.1"}) {
            assertTrue(SparkJvm.supported(Runtime.Version.parse(v)), v);
        }
        assertDoesNotThrow(() -> SparkJvm.requireSupported("driver"));   // the JDK the build runs on
    }
}
