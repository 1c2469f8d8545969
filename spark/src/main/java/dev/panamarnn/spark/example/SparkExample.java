package dev.panamarnn.spark.example;

import dev.panamarnn.CellType;
import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.spark.AllReduce;
import dev.panamarnn.spark.SequenceScorer;
import dev.panamarnn.spark.SparkSequences;
import dev.panamarnn.spark.SparkTrainer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The runnable example of docs/spark.md, on a long-layout CSV with a header (a sequence-id column, a
 * time column, feature columns, a label column), e.g. examples/consumer/data/digits-400.csv:
 * <pre>
 *   train CSV ID TIME LABEL WORKERS EPOCHS MODEL [driver|barrier]
 *                                                  trains a GRU (H 32) on WORKERS workers, writes MODEL on the driver;
 *                                                  the last word picks the AllReduce (default driver)
 *   score CSV ID TIME LABEL MODEL OUT              scores every sequence, prints the accuracy, writes OUT (Parquet)
 * </pre>
 * The Spark master comes from spark-submit (or an active session).
 */
public final class SparkExample {
    private SparkExample() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !(args[0].equals("train") && (args.length == 8 || args.length == 9 && args[8].matches("driver|barrier"))
                || args[0].equals("score") && args.length == 7)) {
            System.err.println("usage: train CSV ID TIME LABEL WORKERS EPOCHS MODEL [driver|barrier] | score CSV ID TIME LABEL MODEL OUT");
            System.exit(2);
        }
        SparkSession spark = SparkSession.builder().appName("panama-rnn " + args[0]).getOrCreate();
        Dataset<Row> rows = spark.read().option("header", true).option("inferSchema", true).csv(args[1]);
        String id = args[2], time = args[3], label = args[4];
        if (args[0].equals("train")) {
            AllReduce allReduce = args.length == 9 ? AllReduce.valueOf(args[8].toUpperCase(java.util.Locale.ROOT)) : AllReduce.DRIVER;
            train(spark, rows, CsvLayout.id(id).time(time).label(label), Integer.parseInt(args[5]), Integer.parseInt(args[6]), Path.of(args[7]),
                    allReduce);
        } else {
            score(rows, id, time, label, Path.of(args[5]), args[6]);
        }
    }

    /** Trains with the driver's all-reduce and saves; returns the mean loss of the last epoch's steps. */
    public static double train(SparkSession spark, Dataset<Row> rows, CsvLayout layout, int workers, int epochs, Path model) throws Exception {
        return train(spark, rows, layout, workers, epochs, model, AllReduce.DRIVER);
    }

    /** Trains and saves; returns the mean loss of the last epoch's steps. */
    public static double train(SparkSession spark, Dataset<Row> rows, CsvLayout layout, int workers, int epochs, Path model,
                               AllReduce allReduce) throws Exception {
        long start = System.nanoTime();
        SparkSequences data = SparkSequences.of(rows, layout, workers);
        try (SequenceModel m = SequenceModel.builder().features(data.schema().features()).classify(data.schema().classes())
                .classNames(data.schema().classNames()).cell(CellType.GRU).hidden(32).seed(1).build();
             SparkTrainer trainer = SparkTrainer.builder(JavaSparkContext.fromSparkContext(spark.sparkContext()), m)
                     .batchSize(32).adam(1e-2).clipNorm(1).allReduce(allReduce).build()) {
            List<Double> losses = trainer.fit(data, epochs);
            int perEpoch = losses.size() / epochs;
            double last = losses.subList(losses.size() - perEpoch, losses.size()).stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            System.out.printf("trained %d steps on %d workers (%d sequences, all-reduce %s) in %.1f s with the sharding, last epoch's mean loss %.4f;"
                    + " writing %s%n", trainer.step(), workers, data.size(), allReduce, (System.nanoTime() - start) / 1e9, last, model);
            m.save(model);
            return last;
        } finally {
            data.unpersist();
        }
    }

    /** Scores, writes the predictions, and returns the accuracy against the label column. */
    public static double score(Dataset<Row> rows, String id, String time, String label, Path model, String out) throws Exception {
        SequenceScorer scorer;
        try (SequenceModel m = SequenceModel.load(model)) {
            scorer = SequenceScorer.of(m);
        }
        String[] features = Arrays.stream(rows.columns()).filter(c -> !c.equals(id) && !c.equals(time) && !c.equals(label)).toArray(String[]::new);
        scorer.setIdCol(id).setTimeCol(time).setFeaturesCols(features);
        Dataset<Row> predictions = scorer.transform(rows);
        Dataset<Row> labels = rows.selectExpr("cast(" + id + " as string) as " + id, "cast(" + label + " as string) as label").distinct();
        Dataset<Row> joined = predictions.join(labels, id);
        long total = joined.count();
        long right = joined.filter("predictedClass = label").count();
        double accuracy = (double) right / total;
        System.out.printf("scored %d sequences: accuracy %.4f; writing %s%n", total, accuracy, out);
        predictions.write().mode("overwrite").parquet(out);
        return accuracy;
    }
}
