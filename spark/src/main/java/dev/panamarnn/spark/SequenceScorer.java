package dev.panamarnn.spark;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.model.ModelSpec;
import dev.panamarnn.model.SequenceModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Batch scoring of a {@link SequenceModel} as a spark.ml {@link Transformer}: rows in the long layout
 * (id, time, feature columns: numbers or arrays of numbers, or one column of token ids) in, one row per sequence out. A classifier
 * gives {@code prediction} (the class index, a double, as Spark's classifiers do),
 * {@code predictedClass} (its name, or null when the model has no class names) and
 * {@code probability} (a dense ml Vector, the softmax of the logits); a regressor gives
 * {@code prediction} as an array of its K values (in the targets' units). A per-step model gives
 * each of these as an array over the sequence's steps in time order ({@link BatchScoring}).
 *
 * <p>The transformer holds the model as the bytes of its file, never a native object; transform
 * broadcasts them, and every executor JVM keeps replicas of the model per fingerprint (SHA-256 of
 * the bytes), one per task running at once ({@link Replicas}). A task sorts its partition's
 * sequences by length and id and scores them {@code batchSequences} at a time through
 * {@link SequenceModel#predict}: batched inference passes ({@code Workspace.infer} over (T, B)),
 * bidirectional stacks and per-step outputs included. Saves and loads with a Pipeline
 * ({@link MLWritable}; {@link #read()}): the params as Spark's metadata, the model file beside them.
 *
 * <p>A token model reads one feature column of token ids (integers in [0, V)). CTC models are refused
 * when the scorer is made.
 */
public final class SequenceScorer extends Transformer implements MLWritable {
    private static final long serialVersionUID = 1L;
    static final String MODEL_FILE = "model.safetensors";

    private final String uid;
    private final byte[] modelBytes;
    private final String fingerprint;
    private final ModelSpec spec;
    private final Param<String> idCol;
    private final Param<String> timeCol;
    private final StringArrayParam featuresCols;
    private final Param<String> predictionCol;
    private final Param<String> predictedClassCol;
    private final Param<String> probabilityCol;
    private final IntParam batchSequences;

    /** A scorer of the model saved in {@code modelBytes} (its file's bytes), with a new uid. */
    public SequenceScorer(byte[] modelBytes) {
        this("sequenceScorer_" + UUID.randomUUID().toString().substring(0, 12), modelBytes);
    }

    SequenceScorer(String uid, byte[] modelBytes) {
        SparkJvm.requireSupported("driver");
        this.uid = uid;
        this.modelBytes = modelBytes.clone();
        this.fingerprint = ModelBytes.fingerprint(modelBytes);
        try (SequenceModel m = Replicas.load(modelBytes)) {
            this.spec = m.spec();
        }
        String unsupported = BatchScoring.unsupported(spec);
        if (unsupported != null) {
            throw new IllegalArgumentException("SequenceScorer cannot score this model: " + unsupported + "; the model is " + spec);
        }
        idCol = new Param<>(this, "idCol", "the sequence-id column");
        timeCol = new Param<>(this, "timeCol", "the numeric column the steps of a sequence are sorted by");
        featuresCols = new StringArrayParam(this, "featuresCols", "the feature columns (numbers or arrays of numbers), in the model's order");
        predictionCol = new Param<>(this, "predictionCol", "the class index (classifier) or the values (regressor)");
        predictedClassCol = new Param<>(this, "predictedClassCol", "the predicted class's name (classifier)");
        probabilityCol = new Param<>(this, "probabilityCol", "the class probabilities, a Vector (classifier)");
        batchSequences = new IntParam(this, "batchSequences", "sequences scored by one predict call (>= 1)");
        setDefault(idCol, "id");
        setDefault(timeCol, "time");
        setDefault(featuresCols, new String[] {"features"});
        setDefault(predictionCol, "prediction");
        setDefault(predictedClassCol, "predictedClass");
        setDefault(probabilityCol, "probability");
        setDefault(batchSequences, 64);
    }

    /** A scorer of {@code model} (its current parameters: later training does not change the scorer). */
    public static SequenceScorer of(SequenceModel model) {
        return new SequenceScorer(ModelBytes.of(model));
    }

    @Override
    public String uid() {
        return uid;
    }

    /** SHA-256 of the model file's bytes: the executors' cache key. */
    public String fingerprint() {
        return fingerprint;
    }

    public ModelSpec spec() {
        return spec;
    }

    public Param<String> idCol() {
        return idCol;
    }

    public Param<String> timeCol() {
        return timeCol;
    }

    public StringArrayParam featuresCols() {
        return featuresCols;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public Param<String> predictedClassCol() {
        return predictedClassCol;
    }

    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    public IntParam batchSequences() {
        return batchSequences;
    }

    public SequenceScorer setIdCol(String v) {
        set(idCol, v);
        return this;
    }

    public SequenceScorer setTimeCol(String v) {
        set(timeCol, v);
        return this;
    }

    public SequenceScorer setFeaturesCols(String... v) {
        set(featuresCols, v);
        return this;
    }

    public SequenceScorer setPredictionCol(String v) {
        set(predictionCol, v);
        return this;
    }

    public SequenceScorer setBatchSequences(int v) {
        if (v < 1) {
            throw new IllegalArgumentException("batchSequences must be >= 1, got " + v);
        }
        set(batchSequences, v);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        List<String> names = List.of(schema.fieldNames());
        List<String> needed = new ArrayList<>(List.of(getOrDefault(idCol), getOrDefault(timeCol)));
        needed.addAll(List.of(getOrDefault(featuresCols)));
        for (String n : needed) {
            if (!names.contains(n)) {
                throw new IllegalArgumentException("no column '" + n + "' in " + names);
            }
        }
        StructType out = new StructType().add(getOrDefault(idCol), DataTypes.StringType, false);
        return BatchScoring.outputColumns(out, spec, getOrDefault(predictionCol), getOrDefault(predictedClassCol), getOrDefault(probabilityCol));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType schema = transformSchema(dataset.schema());
        Dataset<Row> rows = (Dataset<Row>) dataset;
        CsvLayout layout = CsvLayout.id(getOrDefault(idCol)).time(getOrDefault(timeCol)).features(getOrDefault(featuresCols));
        JavaRDD<ShardSequence> sequences = SparkSequences.sequences(rows, layout);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(rows.sparkSession().sparkContext());
        Broadcast<byte[]> bytes = sc.broadcast(modelBytes);
        BatchScoring scoring = new BatchScoring(spec, fingerprint, (Integer) getOrDefault(batchSequences));
        JavaRDD<Row> scored = sequences.mapPartitions(it -> scoring.score(it, bytes.value()));
        return rows.sparkSession().createDataFrame(scored, schema);
    }

    @Override
    public SequenceScorer copy(ParamMap extra) {
        return copyValues(new SequenceScorer(uid, modelBytes), extra);
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    /** The reader a Pipeline's load finds by reflection. */
    public static MLReader<SequenceScorer> read() {
        return new Reader();
    }

    public static SequenceScorer load(String path) {
        return read().load(path);
    }

    /** Spark's params metadata in {@code path/metadata}, the model file as {@code path/model.safetensors}. */
    static final class Writer extends MLWriter {
        private final SequenceScorer scorer;

        Writer(SequenceScorer scorer) {
            this.scorer = scorer;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(scorer, path, sparkSession());
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(path, MODEL_FILE);
            try {
                FileSystem fs = file.getFileSystem(sc().hadoopConfiguration());
                try (OutputStream out = fs.create(file, false)) {
                    out.write(scorer.modelBytes);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        }
    }

    static final class Reader extends MLReader<SequenceScorer> {
        @Override
        public SequenceScorer load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession(), SequenceScorer.class.getName());
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(path, MODEL_FILE);
            byte[] bytes;
            try {
                FileSystem fs = file.getFileSystem(sc().hadoopConfiguration());
                try (InputStream in = fs.open(file)) {
                    bytes = in.readAllBytes();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            SequenceScorer scorer = new SequenceScorer(metadata.uid(), bytes);
            metadata.getAndSetParams(scorer, scala.Option.empty());
            return scorer;
        }
    }
}
