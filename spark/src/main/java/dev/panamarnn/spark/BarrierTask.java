package dev.panamarnn.spark;

import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.train.NonFiniteGuard;
import dev.panamarnn.train.Optimizer;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.broadcast.Broadcast;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * One worker of a barrier stage ({@link AllReduce#BARRIER}): its shard in, one {@link Result} out. It
 * borrows its executor's replica, makes its own optimizer, loads the stage's starting state into both,
 * connects to the other workers ({@link GradientMesh}) and runs the stage's steps: the gradient of its
 * batch ({@link WorkerStep#compute}), the all-reduce ({@link MeshAllReduce}), and the same end of a step
 * as the driver's ({@link SparkTrainer#takeStep}). Holds no native object: the replica is rebuilt from
 * the broadcast model bytes, the state from the broadcast state bytes.
 */
final class BarrierTask extends AbstractFunction1<scala.collection.Iterator<ShardSequence>, scala.collection.Iterator<BarrierTask.Result>>
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /** What every stage of a run shares. */
    record Settings(SparkSequences.Schema schema, int workers, int batchSize, long seed, long perEpoch, double clipNorm,
                    int maxNonFinite, OptimizerFactory optimizer, long timeoutMillis, long failAtStep) implements Serializable {
        /** These settings for a data set of {@code workers} shards and {@code perEpoch} steps an epoch. */
        Settings forData(SparkSequences.Schema data, int shards, long steps) {
            return new Settings(data, shards, batchSize, seed, steps, clipNorm, maxNonFinite, optimizer, timeoutMillis, failAtStep);
        }
    }

    /**
     * One worker's account of the stage, per step: compute, all-reduce (waiting for the slowest
     * included) and optimizer-step nanoseconds; the step losses (the same on every worker); a CRC-32 of
     * its final parameters; and, from worker 0 only, the final state.
     */
    record Result(int shard, byte[] state, double[] losses, long[] computeNanos, long[] allReduceNanos, long[] stepNanos,
                  long setupNanos, long parametersCrc, String kernels) implements Serializable {}

    private final String run;
    private final Broadcast<byte[]> modelBytes;
    private final Broadcast<byte[]> startState;
    private final Settings settings;
    private final int steps;

    BarrierTask(String run, Broadcast<byte[]> modelBytes, Broadcast<byte[]> startState, Settings settings, int steps) {
        this.run = run;
        this.modelBytes = modelBytes;
        this.startState = startState;
        this.settings = settings;
        this.steps = steps;
    }

    @Override
    public scala.collection.Iterator<Result> apply(scala.collection.Iterator<ShardSequence> rows) {
        BarrierTaskContext context = BarrierTaskContext.get();
        int shard = context.partitionId();
        long setup = System.nanoTime();
        SequenceDataset data = Replicas.shard(run, shard, () -> {
            List<ShardSequence> list = new ArrayList<>();
            CollectionConverters.asJava(rows).forEachRemaining(list::add);
            return SparkSequences.toDataset(list, settings.schema());
        });
        SequenceModel replica = Replicas.borrow(run, modelBytes.value());
        try (Optimizer optimizer = settings.optimizer().apply(replica);
             GradientMesh mesh = GradientMesh.open(GradientMesh.Stage.of(context), SparkEnv.get().blockManager().blockManagerId().host(), settings.timeoutMillis())) {
            SparkCheckpoint.Position p = StateBytes.restore(startState.value(), replica, optimizer, settings.workers(), settings.batchSize());
            Result r = run(context, shard, data, replica, optimizer, mesh, p, System.nanoTime() - setup);
            return CollectionConverters.asScala(List.of(r).iterator());
        } catch (IOException e) {
            throw new UncheckedIOException("the barrier all-reduce of worker " + shard + " failed: " + e.getMessage(), e);
        } finally {
            Replicas.release(run, replica);
        }
    }

    private Result run(BarrierTaskContext context, int shard, SequenceDataset data, SequenceModel replica, Optimizer optimizer,
                       GradientMesh mesh, SparkCheckpoint.Position from, long setupNanos) throws IOException {
        int parameters = (int) (replica.parameters().all().byteSize() / Float.BYTES);
        MeshAllReduce allReduce = new MeshAllReduce(mesh, parameters);
        NonFiniteGuard guard = new NonFiniteGuard(settings.maxNonFinite());
        float[] gradient = new float[parameters];   // (P): the summed gradient of the step
        double[] losses = new double[steps];
        long[] compute = new long[steps], reduce = new long[steps], stepping = new long[steps];
        long step = from.step();
        int epoch = from.epoch(), batch = from.batchInEpoch(), batchesOf = -1;
        List<SequenceBatch> batches = List.of();
        String kernels = replica.kernels().name();
        for (int s = 0; s < steps; s++) {
            if (epoch != batchesOf) {
                batches = WorkerStep.batches(data, settings.batchSize(), settings.seed(), epoch, shard, settings.workers());
                batchesOf = epoch;
            }
            if (step == settings.failAtStep() && context.stageAttemptNumber() == 0 && shard == settings.workers() - 1) {
                throw new IllegalStateException("injected failure of worker " + shard + " at step " + step + " (first stage attempt)");
            }
            long t0 = System.nanoTime();
            WorkerStep.Result own = WorkerStep.compute(replica, null, batch < batches.size() ? batches.get(batch) : null, shard, step,
                    settings.workers());
            long t1 = System.nanoTime();
            double loss = allReduce.sum(own, gradient, step);
            long t2 = System.nanoTime();
            SparkTrainer.takeStep(replica, optimizer, guard, settings.clipNorm(), gradient, loss, step);
            long t3 = System.nanoTime();
            losses[s] = loss;
            compute[s] = t1 - t0;
            reduce[s] = t2 - t1;
            stepping[s] = t3 - t2;
            step++;
            if (++batch == settings.perEpoch()) {
                epoch++;
                batch = 0;
            }
        }
        byte[] state = shard == 0 ? StateBytes.of(replica, optimizer, new SparkCheckpoint.Position(step, epoch, batch),
                settings.workers(), settings.batchSize()) : null;
        CRC32 crc = new CRC32();
        crc.update(replica.parameters().all().asByteBuffer());
        return new Result(shard, state, losses, compute, reduce, stepping, setupNanos, crc.getValue(), kernels);
    }
}
