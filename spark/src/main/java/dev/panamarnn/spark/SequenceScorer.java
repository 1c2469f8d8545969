package dev.panamarnn.spark;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.model.ModelSpec;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
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
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Batch scoring of a {@link SequenceModel} as a spark.ml {@link Transformer}: rows in the long layout
 * (id, time, feature columns: numbers or arrays of numbers) in, one row per sequence out. A classifier
 * gives {@code prediction} (the class index, a double, as Spark's classifiers do),
 * {@code predictedClass} (its name, or null when the model has no class names) and
 * {@code probability} (a dense ml Vector, the softmax of the logits); a regressor gives
 * {@code prediction} as an array of its K values (in the targets' units).
 *
 * <p>The transformer holds the model as the bytes of its file, never a native object; transform
 * broadcasts them and every executor JVM keeps one shared {@link InferenceModel} per model
 * fingerprint (SHA-256 of the bytes), which all its tasks use at once. A task runs its partition's
 * sequences through it {@code batchSequences} at a time (the rows of a group are held as Java
 * arrays), each sequence in its own {@link StreamState}. Saves and loads with a Pipeline
 * ({@link MLWritable}; {@link #read()}): the params as Spark's metadata, the model file beside them.
 *
 * <p>Per-sequence models only (per-step outputs and bidirectional stacks are refused when made: the
 * InferenceModel streams).
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
        if (spec.outputMode() != OutputMode.SEQUENCE || spec.rnn().bidirectional() || spec.tokens()) {
            throw new IllegalArgumentException("SequenceScorer scores per-sequence models of float features on a unidirectional stack; "
                    + "this model is " + spec);
        }
        idCol = new Param<>(this, "idCol", "the sequence-id column");
        timeCol = new Param<>(this, "timeCol", "the numeric column the steps of a sequence are sorted by");
        featuresCols = new StringArrayParam(this, "featuresCols", "the feature columns (numbers or arrays of numbers), in the model's order");
        predictionCol = new Param<>(this, "predictionCol", "the class index (classifier) or the values (regressor)");
        predictedClassCol = new Param<>(this, "predictedClassCol", "the predicted class's name (classifier)");
        probabilityCol = new Param<>(this, "probabilityCol", "the class probabilities, a Vector (classifier)");
        batchSequences = new IntParam(this, "batchSequences", "sequences a task holds and scores at a time (>= 1)");
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

    private boolean classifier() {
        return spec.task().hasClasses();
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
        if (classifier()) {
            return out.add(getOrDefault(predictionCol), DataTypes.DoubleType, false)
                    .add(getOrDefault(predictedClassCol), DataTypes.StringType, true)
                    .add(getOrDefault(probabilityCol), SQLDataTypes.VectorType(), false);
        }
        return out.add(getOrDefault(predictionCol), DataTypes.createArrayType(DataTypes.DoubleType, false), false);
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
        String key = fingerprint;
        int group = (Integer) getOrDefault(batchSequences);
        int features = spec.features();
        boolean classes = classifier();
        List<String> classNames = spec.classNames();
        JavaRDD<Row> scored = sequences.mapPartitions(it -> score(it, key, bytes, group, features, classes, classNames));
        return rows.sparkSession().createDataFrame(scored, schema);
    }

    /** A task: its partition's sequences, {@code group} at a time, through the executor's shared InferenceModel. */
    private static Iterator<Row> score(Iterator<ShardSequence> sequences, String key, Broadcast<byte[]> bytes, int group, int features,
                                       boolean classes, List<String> classNames) {
        InferenceModel model = Scorers.get(key, bytes);
        List<Row> out = new ArrayList<>();
        List<ShardSequence> batch = new ArrayList<>(group);
        while (sequences.hasNext()) {
            batch.add(sequences.next());
            if (batch.size() == group || !sequences.hasNext()) {
                for (ShardSequence s : batch) {
                    out.add(scoreOne(model, s, features, classes, classNames));
                }
                batch.clear();
            }
        }
        return out.iterator();
    }

    private static Row scoreOne(InferenceModel model, ShardSequence s, int features, boolean classes, List<String> classNames) {
        if (s.problem() != null) {
            throw new IllegalArgumentException("sequence '" + s.id() + "' has " + s.problem());
        }
        if (s.width() != features) {
            throw new IllegalArgumentException("sequence '" + s.id() + "' has " + s.width() + " features per step, the model reads " + features);
        }
        float[] step = new float[features], output = new float[model.outputSize()];
        try (StreamState stream = model.newStream()) {
            for (int t = 0; t < s.length(); t++) {
                System.arraycopy(s.inputs(), t * features, step, 0, features);
                stream.step(step, output);
            }
        }
        if (!classes) {
            double[] values = new double[output.length];
            for (int k = 0; k < values.length; k++) {
                values[k] = output[k];
            }
            return RowFactory.create(s.id(), values);
        }
        int best = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < output.length; c++) {
            if (output[c] > max) {
                max = output[c];
                best = c;
            }
        }
        double[] p = new double[output.length];
        double sum = 0;
        for (int c = 0; c < p.length; c++) {
            p[c] = Math.exp(output[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < p.length; c++) {
            p[c] /= sum;
        }
        return RowFactory.create(s.id(), (double) best, best < classNames.size() ? classNames.get(best) : null, Vectors.dense(p));
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

    /** Per executor JVM: one shared InferenceModel per model fingerprint (the last few). */
    static final class Scorers {
        private static final int MODELS = 4;
        private static final Map<String, InferenceModel> MODELS_BY_KEY = new LinkedHashMap<>(8, 0.75f, true);

        private Scorers() {}

        static synchronized InferenceModel get(String key, Broadcast<byte[]> bytes) {
            InferenceModel m = MODELS_BY_KEY.get(key);
            if (m == null || !m.isOpen()) {
                SparkExecutors.prepare();
                try (SequenceModel model = Replicas.load(bytes.value())) {
                    m = InferenceModel.of(model);
                }
                MODELS_BY_KEY.put(key, m);
                if (MODELS_BY_KEY.size() > MODELS) {
                    var eldest = MODELS_BY_KEY.entrySet().iterator().next();
                    eldest.getValue().close();   // running steps finish first (InferenceModel's shared lifetime)
                    MODELS_BY_KEY.remove(eldest.getKey());
                }
            }
            return m;
        }

        static synchronized int cached() {
            return MODELS_BY_KEY.size();
        }
    }
}
