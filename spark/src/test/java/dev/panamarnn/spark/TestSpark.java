package dev.panamarnn.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** One local[2] Spark session for every test class of the fork (starting Spark costs seconds), and test data. */
final class TestSpark {
    private static SparkSession session;

    private TestSpark() {}

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2,2]")   // 2 threads; a task may fail once and run again (the fault tests)
                    .appName("panama-rnn-spark tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.default.parallelism", "2")
                    .config("spark.task.maxFailures", "2")
                    .getOrCreate();
            session.sparkContext().setLogLevel("WARN");
        }
        return session;
    }

    /** Stops the shared session (the next session() starts a new one): a JVM holds one SparkContext at a time. */
    static synchronized void stop() {
        if (session != null) {
            session.stop();
            session = null;
        }
    }

    /**
     * A local-cluster[2,1,1024] session: a master, two workers and two executor JVMs of one core
     * each, started from SPARK_HOME (surefire sets it to target/spark-home, whose jars/ directory is
     * empty: the executors get this JVM's test class path, with Spark's jars, as their
     * extraClassPath). Spark adds its own --add-opens to the executors' command line; we add the
     * native access flag and strict mode.
     */
    static synchronized SparkSession cluster(java.nio.file.Path localDir) throws java.io.IOException {
        stop();
        String home = System.getenv("SPARK_HOME");
        if (home == null) {
            throw new IllegalStateException("SPARK_HOME is not set (surefire sets it to target/spark-home)");
        }
        java.nio.file.Files.createDirectories(java.nio.file.Path.of(home, "jars"));
        StringBuilder classPath = new StringBuilder();
        for (String entry : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .split(java.io.File.pathSeparator)) {
            if (!entry.isBlank()) {
                classPath.append(classPath.isEmpty() ? "" : java.io.File.pathSeparator).append(java.nio.file.Path.of(entry).toAbsolutePath());
            }
        }
        session = SparkSession.builder()
                .master("local-cluster[2,1,1024]")
                .appName("panama-rnn-spark local-cluster test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.default.parallelism", "2")
                .config("spark.local.dir", localDir.toString())
                .config("spark.executor.extraClassPath", classPath.toString())
                .config("spark.executor.extraJavaOptions", "--enable-native-access=ALL-UNNAMED -Drnn.native.strict="
                        + Boolean.getBoolean("rnn.native.strict"))
                .getOrCreate();
        session.sparkContext().setLogLevel("WARN");
        return session;
    }

    static JavaSparkContext context() {
        return JavaSparkContext.fromSparkContext(session().sparkContext());
    }

    static final StructType LONG = new StructType()
            .add("id", DataTypes.StringType)
            .add("t", DataTypes.IntegerType)
            .add("x1", DataTypes.DoubleType)
            .add("x2", DataTypes.DoubleType)
            .add("label", DataTypes.StringType);

    /**
     * {@code count} sequences "s000".. of 3 to 6 steps, two features, label "up" when the sum of x1
     * exceeds the sum of x2, else "down"; rows in a shuffled order (the reader must sort them).
     */
    static List<Row> rows(int count, long seed) {
        return rows(count, seed, 3, 6);
    }

    /** As {@link #rows(int, long)} with lengths in [shortest, longest]. */
    static List<Row> rows(int count, long seed, int shortest, int longest) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Row> rows = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            int length = shortest + r.nextInt(longest - shortest + 1);
            double balance = 0;
            List<Row> steps = new ArrayList<>();
            for (int t = 0; t < length; t++) {
                double x1 = r.nextDouble() * 2 - 1, x2 = r.nextDouble() * 2 - 1;
                balance += x1 - x2;
                steps.add(RowFactory.create(String.format("s%03d", s), t, x1, x2, null));
            }
            String label = balance > 0 ? "up" : "down";
            for (Row step : steps) {
                rows.add(RowFactory.create(step.get(0), step.get(1), step.get(2), step.get(3), label));
            }
        }
        java.util.Collections.shuffle(rows, new java.util.Random(seed));
        return rows;
    }

    static Dataset<Row> frame(List<Row> rows) {
        return session().createDataFrame(rows, LONG).repartition(3);
    }
}
