package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.model.SequenceModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The all-reduce's cost per step against the step's compute (the figures of docs/spark.md), for both
 * AllReduce modes side by side: local[2], 2 workers, batch 8 of 40-step sequences each (16 * STEPS
 * sequences: one epoch of STEPS steps), LSTM of 2 layers at H = 32 and 256, the modes alternating per
 * size. Communication is the step's time minus the slowest worker's compute: in the driver mode the
 * job, the weights' broadcast, the gradients' collect, the sum and the optimizer step (timed on the
 * driver); in the barrier mode the socket all-reduce (waiting for the slower worker included) and the
 * optimizer step (timed in the workers). The run's wall time per step adds what no step holds: the
 * barrier stage's start (replica, state, connections) and end, amortised over the STEPS steps.
 */
class AllReduceCostTest {
    /** -Dspark.figures=N: N steps per model (default 3, to keep CI short; docs/spark.md's figures used 12). */
    static final int STEPS = Integer.getInteger("spark.figures", 3);

    @Test
    void measuresCommunicationAgainstCompute() {
        SparkSequences data = SparkSequences.of(TestSpark.frame(TestSpark.rows(16 * STEPS, 9, 40, 40)),
                CsvLayout.id("id").time("t").features("x1", "x2").label("label"), 2);
        try {
            System.out.println("  H   params  all-reduce  run ms/step  step ms  compute ms  communication ms   (medians of the steps after the first)");
            for (int hidden : new int[] {32, 256}) {
                for (AllReduce mode : AllReduce.values()) {
                    measure(data, hidden, mode);
                }
            }
        } finally {
            data.unpersist();
        }
    }

    private static void measure(SparkSequences data, int hidden, AllReduce mode) {
        try (SequenceModel model = SequenceModel.builder().features(2).classify(2).cell(CellType.LSTM).hidden(hidden).layers(2)
                .seed(1).build();
             SparkTrainer trainer = SparkTrainer.builder(TestSpark.context(), model).batchSize(8).adam(1e-3).allReduce(mode).build()) {
            long start = System.nanoTime();
            List<Double> losses = trainer.fit(data, 1);
            double run = (System.nanoTime() - start) / 1e6 / STEPS;
            assertEquals(STEPS, losses.size());
            List<SparkTrainer.StepTiming> t = trainer.timings().subList(1, trainer.timings().size());
            long params = model.parameters().all().byteSize() / Float.BYTES;
            double step = median(t.stream().mapToLong(SparkTrainer.StepTiming::totalNanos).toArray());
            double compute = median(t.stream().mapToLong(SparkTrainer.StepTiming::maxComputeNanos).toArray());
            double comm = median(t.stream().mapToLong(SparkTrainer.StepTiming::communicationNanos).toArray());
            System.out.printf("%4d %8d  %-10s %11.1f %8.1f %11.1f %17.1f   (broadcast %.1f, job or socket all-reduce %.1f, optimizer step %.1f)%n",
                    hidden, params, mode, run, step / 1e6, compute / 1e6, comm / 1e6,
                    median(t.stream().mapToLong(SparkTrainer.StepTiming::broadcastNanos).toArray()) / 1e6,
                    median(t.stream().mapToLong(SparkTrainer.StepTiming::jobNanos).toArray()) / 1e6,
                    median(t.stream().mapToLong(SparkTrainer.StepTiming::driverNanos).toArray()) / 1e6);
            assertTrue(compute > 0 && comm > 0 && losses.stream().allMatch(Double::isFinite), t.toString());
        }
    }

    static double median(long[] v) {
        java.util.Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
    }
}
