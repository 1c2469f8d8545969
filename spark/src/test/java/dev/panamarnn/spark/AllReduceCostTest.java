package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.model.SequenceModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The all-reduce's cost per step against the step's compute (the figures of docs/spark.md): local[2],
 * 2 workers, batch 8 of 40-step sequences each (16 * STEPS sequences: one epoch of STEPS steps), LSTM of 2 layers at H = 32 and 256. Communication is
 * the step's wall time on the driver minus the slowest worker's compute (the job, the weights'
 * broadcast, the gradients' collect, the sum and the optimizer step).
 */
class AllReduceCostTest {
    /** -Dspark.figures=N: N steps per model (default 3, to keep CI short; docs/spark.md's figures used 12). */
    static final int STEPS = Integer.getInteger("spark.figures", 3);

    @Test
    void measuresCommunicationAgainstCompute() {
        SparkSequences data = SparkSequences.of(TestSpark.frame(TestSpark.rows(16 * STEPS, 9, 40, 40)),
                CsvLayout.id("id").time("t").features("x1", "x2").label("label"), 2);
        try {
            System.out.println("  H   params   step ms   compute ms (slowest worker)   all-reduce ms   (medians of the steps after the first)");
            for (int hidden : new int[] {32, 256}) {
                try (SequenceModel model = SequenceModel.builder().features(2).classify(2).cell(CellType.LSTM).hidden(hidden).layers(2)
                        .seed(1).build();
                     SparkTrainer trainer = SparkTrainer.builder(TestSpark.context(), model).batchSize(8).adam(1e-3).build()) {
                    List<Double> losses = trainer.fit(data, 1);
                    assertEquals(STEPS, losses.size());
                    List<SparkTrainer.StepTiming> t = trainer.timings().subList(1, trainer.timings().size());
                    long params = model.parameters().all().byteSize() / Float.BYTES;
                    double step = median(t.stream().mapToLong(SparkTrainer.StepTiming::totalNanos).toArray());
                    double compute = median(t.stream().mapToLong(SparkTrainer.StepTiming::maxComputeNanos).toArray());
                    double comm = median(t.stream().mapToLong(SparkTrainer.StepTiming::communicationNanos).toArray());
                    System.out.printf("%4d %8d %9.1f %12.1f %30.1f   (broadcast %.1f, job %.1f, sum+step %.1f)%n", hidden, params,
                            step / 1e6, compute / 1e6, comm / 1e6,
                            median(t.stream().mapToLong(SparkTrainer.StepTiming::broadcastNanos).toArray()) / 1e6,
                            median(t.stream().mapToLong(SparkTrainer.StepTiming::jobNanos).toArray()) / 1e6,
                            median(t.stream().mapToLong(SparkTrainer.StepTiming::driverNanos).toArray()) / 1e6);
                    assertTrue(compute > 0 && comm > 0 && losses.stream().allMatch(Double::isFinite), t.toString());
                }
            }
        } finally {
            data.unpersist();
        }
    }

    static double median(long[] v) {
        java.util.Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
    }
}
