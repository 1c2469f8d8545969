package dev.panamarnn.spark;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.data.SequenceDataset.Targets;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import static org.apache.spark.sql.functions.col;

/**
 * Sequences in Spark's "long" layout (one row per time step: a sequence-id column, a numeric time
 * column the steps are sorted by, feature columns that are numbers or arrays of numbers, and a label
 * or target columns; the columns named by a {@link CsvLayout}, with {@link SequenceDataset#fromCsv}'s
 * meaning) cut into N shards, one per worker. The sequences are sorted by id and dealt round robin
 * (rank r goes to shard r mod N, in rank order inside it), so the shards differ by at most one
 * sequence and the same data gives the same shards whatever its partitioning. Each shard becomes a
 * {@link SequenceDataset} on its executor ({@link #toDataset}); class names are the sorted distinct
 * labels, as in {@code fromCsv}.
 *
 * <p>Bad input is an {@link IllegalArgumentException} on the driver, before any training: a missing
 * or non-numeric column, a null, a step count of features that differs between steps or sequences,
 * two steps at one time, a per-sequence label that changes within a sequence, an empty shard, and
 * more workers than sequences. The shards are cached ({@link #unpersist} frees them).
 */
public final class SparkSequences implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final String NULL_ID = "\u0000null id";
    private static final int TOKEN_EMBEDDING = 32;

    /**
     * What every shard holds, known on the driver: the sizes, the target kind, and the per-column
     * mean and population std over every step of every sequence (of the features; of the target
     * values, or null for labels), as {@link SequenceDataset#featureMean()} and its siblings give them.
     */
    public record Schema(int features, Targets targets, int classes, List<String> classNames, int targetSize, float[] featureMean,
                         float[] featureStd, float[] targetMean, float[] targetStd, int vocabulary) implements Serializable {
        /** True when the one feature column holds token ids in [0, {@link #vocabulary}) ({@link #ofTokens}). */
        public boolean tokens() {
            return vocabulary > 0;
        }

        Schema withVocabulary(int v) {
            return new Schema(features, targets, classes, classNames, targetSize, featureMean, featureStd, targetMean, targetStd, v);
        }
    }

    /**
     * A model builder that takes from the data what it determines, as {@code SequenceModel.forData}
     * does: the features with the data's mean and std as the model's normalisation, the task
     * (classes and class names, or the target count with the targets' mean and std as the model's
     * target normalisation) and the output mode.
     */
    public dev.panamarnn.model.SequenceModel.Builder modelBuilder() {   // tokens: embedding width 32 (set another on the builder), as forData
        var b = schema.tokens() ? dev.panamarnn.model.SequenceModel.builder().tokens(schema.vocabulary(), TOKEN_EMBEDDING)
                : dev.panamarnn.model.SequenceModel.builder().features(schema.features()).normalise(schema.featureMean(), schema.featureStd());
        switch (schema.targets()) {
            case CLASS_PER_SEQUENCE, CLASS_PER_STEP -> b.classify(schema.classes()).classNames(schema.classNames());
            case VALUES_PER_SEQUENCE, VALUES_PER_STEP -> b.regress(schema.targetSize()).normaliseTargets(schema.targetMean(), schema.targetStd());
            case NONE -> throw new IllegalArgumentException("the data has no targets (inputs only), so it determines no task");
        }
        return b.output(schema.targets().perStep() ? dev.panamarnn.model.OutputMode.PER_STEP : dev.panamarnn.model.OutputMode.SEQUENCE);
    }

    private final transient JavaRDD<ShardSequence> shards;
    private final Schema schema;
    private final long[] shardSizes;

    private SparkSequences(JavaRDD<ShardSequence> shards, Schema schema, long[] shardSizes) {
        this.shards = shards;
        this.schema = schema;
        this.shardSizes = shardSizes;
    }

    /** The RDD of N partitions, partition i = shard i in rank order (cached). */
    public JavaRDD<ShardSequence> shards() {
        return shards;
    }

    public Schema schema() {
        return schema;
    }

    /** Sequences per shard. */
    public long[] shardSizes() {
        return shardSizes.clone();
    }

    public int workers() {
        return shardSizes.length;
    }

    public long size() {
        return Arrays.stream(shardSizes).sum();
    }

    public void unpersist() {
        shards.unpersist(false);
    }

    /**
     * Reads, groups, sorts and shards {@code rows} for {@code workers} workers (three Spark jobs: the
     * sort's sample, the ranks, the checks).
     * @throws IllegalArgumentException for bad input (see the class comment), with what and where
     */
    public static SparkSequences of(Dataset<Row> rows, CsvLayout layout, int workers) {
        SparkJvm.requireSupported("driver");
        if (rows == null || layout == null) {
            throw new IllegalArgumentException("rows and a layout are required, got " + rows + ", " + layout);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        boolean label = layout.labelColumn() != null;
        int targetCount = layout.targetColumns().size();
        JavaRDD<ShardSequence> sequences = sequences(rows, layout);
        int n = workers;
        JavaRDD<ShardSequence> sharded = sequences.keyBy(ShardSequence::id).sortByKey(true).values()
                .zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), t._1().withRank(t._2())))
                .partitionBy(new RankPartitioner(n))
                .mapPartitions(it -> {
                    List<ShardSequence> list = new ArrayList<>();
                    it.forEachRemaining(t -> list.add(t._2()));
                    list.sort(Comparator.comparingLong(ShardSequence::rank));
                    return list.iterator();
                }, true)
                .persist(StorageLevel.MEMORY_ONLY());
        try {
            List<ShardStats> stats = sharded.mapPartitionsWithIndex((i, it) -> List.of(ShardStats.of(i, it, targetCount)).iterator(), true)
                    .collect();
            SparkSequences data = new SparkSequences(sharded, check(stats, n, label, targetCount, layout.perStep()), sizes(stats));
            return data;
        } catch (RuntimeException e) {
            sharded.unpersist(false);
            throw e;
        }
    }

    /**
     * {@link #of} for a token model: the layout's one feature column holds token ids, integers in
     * [0, vocabulary), and the label column class labels per sequence or per step (or none, for
     * inputs only). The shards become token data sets ({@link SparkTokens}).
     * @throws IllegalArgumentException for {@link #of}'s bad input, target columns, a feature count
     *         other than one, or an id that is not an integer in [0, vocabulary) (naming the sequence and step)
     */
    public static SparkSequences ofTokens(Dataset<Row> rows, CsvLayout layout, int vocabulary, int workers) {
        SparkTokens.checkLayout(layout, vocabulary);
        SparkSequences data = of(rows, layout, workers);
        try {
            SparkTokens.check(data.shards, data.schema, vocabulary);
        } catch (RuntimeException e) {
            data.unpersist();
            throw e;
        }
        return new SparkSequences(data.shards, data.schema.withVocabulary(vocabulary), data.shardSizes);
    }

    /**
     * The rows grouped into sequences (steps sorted by time; a sequence's {@code problem} says what
     * is wrong with it), unsorted, unranked; the columns are checked here, on the driver.
     */
    static JavaRDD<ShardSequence> sequences(Dataset<Row> rows, CsvLayout layout) {
        if (layout.timeColumn() == null) {
            throw new IllegalArgumentException("a Spark data set needs a time column (CsvLayout.time(column)): the order of rows "
                    + "in a Dataset is not defined, so the steps of a sequence are sorted by it");
        }
        List<String> features = featureColumns(rows, layout);
        List<Column> select = new ArrayList<>();
        select.add(col(layout.idColumn()).cast(DataTypes.StringType));
        select.add(numeric(rows, layout.timeColumn(), "time", false));
        for (String f : features) {
            select.add(numeric(rows, f, "feature", true));
        }
        boolean label = layout.labelColumn() != null;
        if (label) {
            field(rows, layout.labelColumn());
            select.add(col(layout.labelColumn()).cast(DataTypes.StringType));
        }
        for (String t : layout.targetColumns()) {
            select.add(numeric(rows, t, "target", false));
        }
        int targetCount = layout.targetColumns().size();
        boolean perStep = layout.perStep();
        int featureCount = features.size();
        String idName = layout.idColumn();

        JavaRDD<ShardSequence> sequences = rows.select(select.toArray(Column[]::new)).javaRDD()
                .mapToPair(r -> new Tuple2<>(r.isNullAt(0) ? NULL_ID : r.getString(0), step(r, featureCount, label, targetCount)))
                .groupByKey()
                .map(g -> sequence(g._1(), g._2(), perStep, label, idName));
        return sequences;
    }

    /** A shard's sequences (in rank order) as the library's data set. */
    public static SequenceDataset toDataset(List<ShardSequence> shard, Schema schema) {
        if (schema.tokens()) {
            return SparkTokens.toDataset(shard, schema);
        }
        List<float[][]> inputs = new ArrayList<>(shard.size());
        for (ShardSequence s : shard) {
            float[][] x = new float[s.length()][];
            for (int t = 0; t < s.length(); t++) {
                x[t] = Arrays.copyOfRange(s.inputs(), t * s.width(), (t + 1) * s.width());
            }
            inputs.add(x);
        }
        return switch (schema.targets()) {
            case NONE -> SequenceDataset.ofInputs(inputs);
            case CLASS_PER_SEQUENCE -> SequenceDataset.ofSequences(inputs, sequenceLabels(shard, schema), schema.classes());
            case CLASS_PER_STEP -> SequenceDataset.ofStepLabels(inputs, stepLabels(shard, schema), schema.classes());
            case VALUES_PER_SEQUENCE -> {
                float[][] targets = new float[shard.size()][];
                for (int i = 0; i < targets.length; i++) {
                    targets[i] = shard.get(i).targets();
                }
                yield SequenceDataset.ofSequences(inputs, targets);
            }
            case VALUES_PER_STEP -> {
                List<float[][]> targets = new ArrayList<>(shard.size());
                int k = schema.targetSize();
                for (ShardSequence s : shard) {
                    float[][] y = new float[s.length()][];
                    for (int t = 0; t < s.length(); t++) {
                        y[t] = Arrays.copyOfRange(s.targets(), t * k, (t + 1) * k);
                    }
                    targets.add(y);
                }
                yield SequenceDataset.ofStepTargets(inputs, targets);
            }
            case LABEL_SEQUENCE -> throw new IllegalArgumentException("unaligned label sequences (CTC) have no long-layout column to read them from");
        };
    }

    /** (N) each sequence's class id. */
    static int[] sequenceLabels(List<ShardSequence> shard, Schema schema) {
        int[] labels = new int[shard.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = classIndex(schema, shard.get(i).labels()[0]);
        }
        return labels;
    }

    /** (N) each (T_i) the class id of every step. */
    static List<int[]> stepLabels(List<ShardSequence> shard, Schema schema) {
        List<int[]> labels = new ArrayList<>(shard.size());
        for (ShardSequence s : shard) {
            int[] l = new int[s.length()];
            for (int t = 0; t < l.length; t++) {
                l[t] = classIndex(schema, s.labels()[t]);
            }
            labels.add(l);
        }
        return labels;
    }

    private static int classIndex(Schema schema, String name) {
        int c = java.util.Collections.binarySearch(schema.classNames(), name);
        if (c < 0) {
            throw new IllegalArgumentException("label '" + name + "' is not one of the classes " + schema.classNames());
        }
        return c;
    }

    // ---- reading rows ----------------------------------------------------------------------

    /** One row: its time, features (F), label and targets (K); problem != null for a null value. */
    record Step(double time, float[] x, String label, float[] y, String problem) implements Serializable {}

    private static Step step(Row r, int featureColumns, boolean label, int targets) {
        double time = r.isNullAt(1) ? Double.NaN : r.getDouble(1);
        List<Float> x = new ArrayList<>();
        String problem = r.isNullAt(1) ? "a null time" : null;
        for (int c = 0; c < featureColumns; c++) {
            int i = 2 + c;
            if (r.isNullAt(i)) {
                problem = "a null feature (feature column " + c + ")";
            } else if (r.get(i) instanceof Number v) {
                x.add(v.floatValue());
            } else {
                for (Object v : r.getList(i)) {
                    if (v == null) {
                        problem = "a null element in feature column " + c;
                    } else {
                        x.add(((Number) v).floatValue());
                    }
                }
            }
        }
        float[] xs = new float[x.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = x.get(i);
        }
        int at = 2 + featureColumns;
        String l = null;
        if (label) {
            if (r.isNullAt(at)) {
                problem = "a null label";
            } else {
                l = r.getString(at);
            }
            at++;
        }
        float[] y = targets > 0 ? new float[targets] : null;
        for (int k = 0; k < targets; k++) {
            if (r.isNullAt(at + k)) {
                problem = "a null target";
            } else {
                y[k] = (float) r.getDouble(at + k);
            }
        }
        return new Step(time, xs, l, y, problem);
    }

    private static ShardSequence sequence(String id, Iterable<Step> steps, boolean perStep, boolean labels, String idName) {
        List<Step> list = new ArrayList<>();
        steps.forEach(list::add);
        list.sort(Comparator.comparingDouble(Step::time));
        String problem = NULL_ID.equals(id) ? "a null id in column '" + idName + "'" : null;
        int width = list.get(0).x().length;
        int k = list.get(0).y() == null ? 0 : list.get(0).y().length;
        float[] inputs = new float[list.size() * width];
        String[] l = labels ? new String[perStep ? list.size() : 1] : null;
        float[] y = k > 0 ? new float[perStep ? list.size() * k : k] : null;
        for (int t = 0; t < list.size(); t++) {
            Step s = list.get(t);
            if (problem == null && s.problem() != null) {
                problem = "step " + t + " has " + s.problem();
            }
            if (problem == null && t > 0 && s.time() == list.get(t - 1).time()) {
                problem = "two steps at time " + s.time();
            }
            if (problem == null && s.x().length != width) {
                problem = "step 0 has " + width + " features but step " + t + " has " + s.x().length;
            }
            if (problem == null && !perStep && t > 0 && l != null && !java.util.Objects.equals(s.label(), l[0])) {
                problem = "a per-sequence label that changes: '" + l[0] + "' at step 0, '" + s.label() + "' at step " + t;
            }
            if (problem == null && !perStep && t > 0 && y != null && !Arrays.equals(s.y(), list.get(0).y())) {
                problem = "per-sequence targets that change: " + Arrays.toString(list.get(0).y()) + " at step 0, "
                        + Arrays.toString(s.y()) + " at step " + t;
            }
            if (problem != null) {
                continue;
            }
            System.arraycopy(s.x(), 0, inputs, t * width, width);
            if (l != null && (perStep || t == 0)) {
                l[t] = s.label();
            }
            if (y != null && (perStep || t == 0)) {
                System.arraycopy(s.y(), 0, y, t * k, k);
            }
        }
        return new ShardSequence(id, -1, list.size(), width, inputs, l, y, problem);
    }

    // ---- driver-side checks -----------------------------------------------------------------

    /** What one shard holds, gathered in one pass for the driver's checks. */
    record ShardStats(int shard, long count, int minWidth, String minWidthId, int maxWidth, String maxWidthId,
                      TreeSet<String> labels, String problem, Moments features, Moments targets) implements Serializable {
        static ShardStats of(int shard, java.util.Iterator<ShardSequence> it, int targetWidth) {
            long count = 0;
            int min = Integer.MAX_VALUE, max = -1;
            String minId = null, maxId = null, problem = null;
            TreeSet<String> labels = new TreeSet<>();
            Moments features = new Moments(), targets = new Moments();
            while (it.hasNext()) {
                ShardSequence s = it.next();
                count++;
                if (s.problem() != null) {
                    if (problem == null) {
                        problem = "sequence '" + s.id() + "' has " + s.problem();
                    }
                    continue;
                }
                if (s.width() < min) {
                    min = s.width();
                    minId = s.id();
                }
                if (s.width() > max) {
                    max = s.width();
                    maxId = s.id();
                }
                if (s.labels() != null) {
                    labels.addAll(Arrays.asList(s.labels()));
                }
                features.add(s.inputs(), s.width());
                if (s.targets() != null && targetWidth > 0) {
                    targets.add(s.targets(), targetWidth);
                }
            }
            return new ShardStats(shard, count, min, minId, max, maxId, labels, problem, features, targets);
        }
    }

    private static Schema check(List<ShardStats> stats, int workers, boolean label, int targets, boolean perStep) {
        long total = 0;
        for (ShardStats s : stats) {
            total += s.count();
        }
        if (total < workers) {
            throw new IllegalArgumentException(workers + " workers but only " + total + " sequences: each worker needs at least one "
                    + "sequence; use at most " + total + " workers");
        }
        for (ShardStats s : stats) {
            if (s.count() == 0) {
                throw new IllegalArgumentException("shard " + s.shard() + " of " + workers + " holds no sequences");
            }
            if (s.problem() != null) {
                throw new IllegalArgumentException(s.problem());
            }
        }
        ShardStats min = stats.stream().min(Comparator.comparingInt(ShardStats::minWidth)).orElseThrow();
        ShardStats max = stats.stream().max(Comparator.comparingInt(ShardStats::maxWidth)).orElseThrow();
        if (min.minWidth() != max.maxWidth()) {
            throw new IllegalArgumentException("mismatched feature counts: sequence '" + min.minWidthId() + "' has " + min.minWidth()
                    + " features per step, sequence '" + max.maxWidthId() + "' has " + max.maxWidth());
        }
        if (min.minWidth() == 0) {
            throw new IllegalArgumentException("the sequences have no features (sequence '" + min.minWidthId() + "')");
        }
        Set<String> names = new TreeSet<>();
        stats.forEach(s -> names.addAll(s.labels()));
        Targets kind = label ? perStep ? Targets.CLASS_PER_STEP : Targets.CLASS_PER_SEQUENCE
                : targets > 0 ? perStep ? Targets.VALUES_PER_STEP : Targets.VALUES_PER_SEQUENCE : Targets.NONE;
        List<String> classNames = label ? List.copyOf(names) : List.of();
        if (label && classNames.size() < 2) {
            throw new IllegalArgumentException("classification needs at least 2 classes, the labels are " + classNames);
        }
        Moments f = new Moments(), t = new Moments();
        for (ShardStats s : stats) {   // in shard order: the same figures for the same data
            f.merge(s.features());
            t.merge(s.targets());
        }
        float[][] fm = f.meanAndStd(), tm = targets > 0 ? t.meanAndStd() : new float[2][];
        return new Schema(min.minWidth(), kind, classNames.size(), classNames, targets, fm[0], fm[1], tm[0], tm[1], 0);
    }

    /**
     * Per-column count, mean and sum of squared deviations in double (Welford; shards merged with
     * Chan et al.'s formula), for the normalisation statistics.
     */
    static final class Moments implements Serializable {
        private static final long serialVersionUID = 1L;
        long count;
        double[] mean;
        double[] m2;

        /** Adds every row of {@code width} values of {@code values} (rows * width). */
        void add(float[] values, int width) {
            if (mean == null) {
                mean = new double[width];
                m2 = new double[width];
            }
            for (int r = 0; r + width <= values.length; r += width) {
                count++;
                for (int j = 0; j < width; j++) {
                    double d = values[r + j] - mean[j];
                    mean[j] += d / count;
                    m2[j] += d * (values[r + j] - mean[j]);
                }
            }
        }

        void merge(Moments other) {
            if (other.count == 0) {
                return;
            }
            if (count == 0) {
                count = other.count;
                mean = other.mean.clone();
                m2 = other.m2.clone();
                return;
            }
            long n = count + other.count;
            for (int j = 0; j < mean.length; j++) {
                double d = other.mean[j] - mean[j];
                mean[j] += d * other.count / n;
                m2[j] += other.m2[j] + d * d * ((double) count * other.count / n);
            }
            count = n;
        }

        /** {mean, population std} as floats; a std of 0 (a constant column) becomes 1, as in SequenceDataset. */
        float[][] meanAndStd() {
            float[] m = new float[mean.length], sd = new float[mean.length];
            for (int j = 0; j < m.length; j++) {
                m[j] = (float) mean[j];
                float v = (float) Math.sqrt(m2[j] / count);
                sd[j] = v == 0 ? 1f : v;
            }
            return new float[][] {m, sd};
        }
    }

    private static long[] sizes(List<ShardStats> stats) {
        long[] sizes = new long[stats.size()];
        for (ShardStats s : stats) {
            sizes[s.shard()] = s.count();
        }
        return sizes;
    }

    // ---- columns ----------------------------------------------------------------------------

    private static List<String> featureColumns(Dataset<Row> rows, CsvLayout layout) {
        field(rows, layout.idColumn());
        if (!layout.featureColumns().isEmpty()) {
            return layout.featureColumns();
        }
        Set<String> other = new TreeSet<>(layout.targetColumns());
        other.add(layout.idColumn());
        other.add(layout.timeColumn());
        if (layout.labelColumn() != null) {
            other.add(layout.labelColumn());
        }
        List<String> features = new ArrayList<>();
        for (String name : rows.columns()) {
            if (!other.contains(name)) {
                features.add(name);
            }
        }
        if (features.isEmpty()) {
            throw new IllegalArgumentException("no feature columns: every column of " + Arrays.toString(rows.columns())
                    + " has another role in " + layout);
        }
        return features;
    }

    private static StructField field(Dataset<Row> rows, String name) {
        for (StructField f : rows.schema().fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no column '" + name + "' in " + Arrays.toString(rows.columns()));
    }

    /** The column as double (or array of double when arrays are allowed); else a clear error. */
    private static Column numeric(Dataset<Row> rows, String name, String role, boolean arrays) {
        DataType type = field(rows, name).dataType();
        if (type instanceof NumericType) {
            return col(name).cast(DataTypes.DoubleType);
        }
        if (arrays && type instanceof ArrayType a && a.elementType() instanceof NumericType) {
            return col(name).cast(DataTypes.createArrayType(DataTypes.DoubleType));
        }
        throw new IllegalArgumentException(role + " column '" + name + "' is " + type.simpleString() + "; it must be numeric"
                + (arrays ? " or an array of numbers" : ""));
    }

    /** Rank r goes to partition r mod N. */
    static final class RankPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int partitions;

        RankPartitioner(int partitions) {
            this.partitions = partitions;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return (int) Math.floorMod((Long) key, (long) partitions);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof RankPartitioner p && p.partitions == partitions;
        }

        @Override
        public int hashCode() {
            return partitions;
        }
    }
}
