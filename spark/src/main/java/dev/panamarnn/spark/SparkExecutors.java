package dev.panamarnn.spark;

import java.nio.file.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

/**
 * What an executor JVM does before its first model (replica or scorer), once: the JDK check, and the
 * settings of the native kernels, unless the user set them (-D in spark.executor.extraJavaOptions):
 * {@code rnn.blas.threads} = spark.task.cpus (OpenBLAS and librnnk's pool then use the cores a task
 * was given, not every core of the node), and {@code rnn.native.dir} = a "panama-rnn" directory in
 * the executor's local directory (under spark.local.dir, or the cluster manager's local dirs), where
 * librnnk and OpenBLAS are extracted. In local mode the driver's JVM is the executor and has loaded
 * the kernels already: these settings then change nothing.
 */
final class SparkExecutors {
    private static volatile boolean prepared;

    private SparkExecutors() {}

    static void prepare() {
        SparkJvm.requireSupported("executor");
        if (prepared) {
            return;
        }
        synchronized (SparkExecutors.class) {
            if (prepared) {
                return;
            }
            TaskContext task = TaskContext.get();
            if (task != null && System.getProperty("rnn.blas.threads") == null) {
                System.setProperty("rnn.blas.threads", Integer.toString(Math.max(1, task.cpus())));
            }
            SparkEnv env = SparkEnv.get();
            if (env != null && System.getProperty("rnn.native.dir") == null) {
                String local = org.apache.spark.util.Utils.getLocalDir(env.conf());
                System.setProperty("rnn.native.dir", Path.of(local, "panama-rnn").toString());
            }
            prepared = true;
        }
    }
}
