package dev.panamarnn.spark;

import java.util.List;

/**
 * The JVM checks of the Spark integration, run on the driver (when a trainer or scorer is made) and
 * on every executor (before its first replica is built). Spark 4.2 runs on JDK 25, but JDK 25 builds
 * before 25.0.3 have a G1 bug that corrupts pinned objects (the FFM API pins heap arrays during
 * native calls), so this module refuses them with a message that says what to install.
 */
public final class SparkJvm {
    /** The oldest JDK this module runs on: 25.0.3. */
    public static final List<Integer> MINIMUM = List.of(25, 0, 3);

    private static volatile boolean checked;

    private SparkJvm() {}

    /**
     * Throws unless this JVM is 25.0.3 or later; {@code where} ("driver", "executor 3") starts the message.
     * @throws IllegalStateException naming the running version, where, and what to install
     */
    public static void requireSupported(String where) {
        if (!checked) {
            require(Runtime.version(), where);
            checked = true;
        }
    }

    /** The check itself, for a given version (tests pass earlier builds). */
    static void require(Runtime.Version version, String where) {
        if (!supported(version)) {
            throw new IllegalStateException("panama-rnn-spark needs JDK 25.0.3 or later on the driver and every executor: "
                    + "earlier JDK 25 builds have a G1 bug that corrupts pinned objects; the " + where + " runs Java " + version
                    + " (" + System.getProperty("java.home") + "). Install a newer JDK (e.g. Temurin 25.0.3) and point "
                    + "JAVA_HOME, spark.executorEnv.JAVA_HOME and spark.yarn.appMasterEnv.JAVA_HOME (or the cluster's image) at it.");
        }
    }

    static boolean supported(Runtime.Version version) {
        List<Integer> v = version.version();
        for (int i = 0; i < MINIMUM.size(); i++) {
            int part = i < v.size() ? v.get(i) : 0;
            if (part != MINIMUM.get(i)) {
                return part > MINIMUM.get(i);
            }
        }
        return true;
    }
}
