package dev.panamarnn.spark;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/** Counts the failed task attempts of the test session while open (a Spark listener); close removes it. */
final class FailedTasks implements AutoCloseable {
    private final AtomicInteger failed = new AtomicInteger();
    private final SparkListener listener = new SparkListener() {
        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.taskInfo().failed()) {
                failed.incrementAndGet();
            }
        }
    };

    FailedTasks() {
        TestSpark.session().sparkContext().addSparkListener(listener);
    }

    /** The count once it reaches {@code expected}, or after 5 s (the listener bus is asynchronous). */
    int await(int expected) throws InterruptedException {
        for (int i = 0; i < 50 && failed.get() < expected; i++) {
            Thread.sleep(100);
        }
        return failed.get();
    }

    @Override
    public void close() {
        TestSpark.session().sparkContext().removeSparkListener(listener);
    }
}
