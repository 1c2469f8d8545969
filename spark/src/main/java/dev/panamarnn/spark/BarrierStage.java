package dev.panamarnn.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The driver's side of one barrier stage ({@link AllReduce#BARRIER}): checks that the cluster can run
 * N tasks at once, runs the N {@link BarrierTask}s over the shards, checks that every worker ended
 * with the same parameters, and returns worker 0's final state with the steps' losses and timings.
 * When a task fails, Spark fails the whole stage and runs all N tasks again from the same start.
 */
final class BarrierStage {
    private static final long SLOT_POLL_MILLIS = 200;

    /** What a stage hands back: the final state (a {@link StateBytes} file), the step losses and timings. */
    record Outcome(byte[] state, List<Double> losses, List<SparkTrainer.StepTiming> timings) {}

    private BarrierStage() {}

    static Outcome run(JavaSparkContext sc, SparkSequences data, String run, Broadcast<byte[]> modelBytes, byte[] state,
                       BarrierTask.Settings settings, long firstStep, int steps) {
        requireSlots(sc, settings.workers(), settings.timeoutMillis());
        Broadcast<byte[]> start = sc.broadcast(state);
        List<BarrierTask.Result> results;
        try {
            ClassTag<BarrierTask.Result> tag = ClassTag$.MODULE$.apply(BarrierTask.Result.class);
            RDD<BarrierTask.Result> stage = data.shards().rdd().barrier()
                    .mapPartitions(new BarrierTask(run, modelBytes, start, settings, steps), false, tag);
            // through a shuffle: Spark runs a failed barrier ShuffleMapStage again (up to spark.stage.maxConsecutiveAttempts),
            // but aborts the job when a barrier ResultStage fails
            results = new ArrayList<>(JavaRDD.fromRDD(stage, tag).keyBy(BarrierTask.Result::shard).partitionBy(new HashPartitioner(1))
                    .values().collect());
        } finally {
            start.destroy();
        }
        results.sort(Comparator.comparingInt(BarrierTask.Result::shard));
        BarrierTask.Result first = results.getFirst();
        for (BarrierTask.Result r : results) {
            if (r.parametersCrc() != first.parametersCrc() || !Arrays.equals(r.losses(), first.losses())) {
                throw new IllegalStateException("the replicas diverged: worker " + r.shard() + " ended with parameters of CRC-32 "
                        + Long.toHexString(r.parametersCrc()) + ", worker 0 with " + Long.toHexString(first.parametersCrc()));
            }
        }
        List<Double> losses = new ArrayList<>(steps);
        List<SparkTrainer.StepTiming> timings = new ArrayList<>(steps);
        for (int s = 0; s < steps; s++) {
            long total = 0, compute = 0, reduce = 0, stepping = 0;
            for (BarrierTask.Result r : results) {
                total = Math.max(total, r.computeNanos()[s] + r.allReduceNanos()[s] + r.stepNanos()[s]);
                compute = Math.max(compute, r.computeNanos()[s]);
                reduce = Math.max(reduce, r.allReduceNanos()[s]);
                stepping = Math.max(stepping, r.stepNanos()[s]);
            }
            losses.add(first.losses()[s]);
            timings.add(new SparkTrainer.StepTiming(firstStep + s, first.losses()[s], total, compute, 0, reduce, stepping, first.kernels()));
        }
        return new Outcome(first.state(), losses, timings);
    }

    /**
     * A barrier stage needs all N tasks running at once. Spark itself would retry the stage's
     * submission for minutes before giving up, so the driver checks first, and fails with the figures.
     * On a cluster whose executors may still be registering it waits up to {@code waitMillis}.
     */
    static void requireSlots(JavaSparkContext sc, int workers, long waitMillis) {
        var context = sc.sc();
        long deadline = System.nanoTime() + waitMillis * 1_000_000L;
        while (true) {
            // maxNumConcurrentTasks is Spark's own count for this check (private[spark] in Scala, public to Java)
            int slots = context.maxNumConcurrentTasks(context.resourceProfileManager().defaultResourceProfile());
            if (slots >= workers) {
                return;
            }
            if (context.isLocal() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the barrier all-reduce runs its " + workers + " workers as " + workers
                        + " tasks at once, but the cluster has " + slots + " task slots (executor cores / spark.task.cpus, master "
                        + context.master() + "); use at most " + slots + " workers, add executors, or use AllReduce.DRIVER");
            }
            try {
                Thread.sleep(SLOT_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + workers + " task slots", e);
            }
        }
    }
}
