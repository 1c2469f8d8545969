package dev.panamarnn.spark;

import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.ModelSpec;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Task;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The executor side of {@link SequenceScorer}: a task's sequences, sorted by length and then id (so
 * a group pads little) and cut into groups of {@code batchSequences}, each group scored by {@link SequenceModel#predict} on a replica of the
 * model (its batched inference passes: {@code Workspace.infer} over (T, B), per-step models of long
 * sequences window after window). The output columns per sequence, after the id:
 * <pre>
 *   classifier, per sequence:  prediction double, predictedClass string, probability Vector (C)
 *   classifier, per step:      prediction array(T) of double, predictedClass array(T), probability array(T) of Vector (C)
 *   regressor, per sequence:   prediction array(K) of double
 *   regressor, per step:       prediction array(T) of array(K) of double
 * </pre>
 * The step arrays are in time order. The groups depend only on the lengths and ids of the task's
 * partition, so the same data and partitioning score the same, bit for bit, on every run.
 */
final class BatchScoring implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String key;           // the model's fingerprint: the replicas' cache key
    private final int group;            // sequences per predict call
    private final int features;         // F the model reads
    private final int vocabulary;       // V of a token model (one id per step), 0 for features
    private final boolean classes;
    private final boolean perStep;
    private final List<String> classNames;

    BatchScoring(ModelSpec spec, String key, int group) {
        this.key = key;
        this.group = group;
        this.features = spec.features();
        this.vocabulary = spec.tokens() ? spec.vocabulary() : 0;
        this.classes = spec.task().hasClasses();
        this.perStep = spec.outputMode() == OutputMode.PER_STEP;
        this.classNames = List.copyOf(spec.classNames());
    }

    /** Why a model cannot be scored here, or null: CTC models are not. */
    static String unsupported(ModelSpec spec) {
        if (spec.task() == Task.CTC) {
            return "it is a CTC model (its per-step logits need decoding into a label sequence)";
        }
        return null;
    }

    /** The columns after the id (see the class comment), named by the scorer's params. */
    static StructType outputColumns(StructType out, ModelSpec spec, String prediction, String predictedClass, String probability) {
        boolean perStep = spec.outputMode() == OutputMode.PER_STEP;
        if (!spec.task().hasClasses()) {
            DataType values = DataTypes.createArrayType(DataTypes.DoubleType, false);
            return out.add(prediction, perStep ? DataTypes.createArrayType(values, false) : values, false);
        }
        return out.add(prediction, steps(DataTypes.DoubleType, perStep), false)
                .add(predictedClass, perStep ? DataTypes.createArrayType(DataTypes.StringType, true) : DataTypes.StringType, true)
                .add(probability, steps(SQLDataTypes.VectorType(), perStep), false);
    }

    private static DataType steps(DataType type, boolean perStep) {
        return perStep ? DataTypes.createArrayType(type, false) : type;
    }

    /** A task: its partition's sequences, sorted by length and id, {@code group} at a time through a replica of the model. */
    Iterator<Row> score(Iterator<ShardSequence> sequences, byte[] modelBytes) {
        List<ShardSequence> all = new ArrayList<>();
        sequences.forEachRemaining(all::add);
        all.sort(Comparator.comparingInt(ShardSequence::length).thenComparing(ShardSequence::id));
        List<Row> out = new ArrayList<>(all.size());
        if (all.isEmpty()) {
            return out.iterator();
        }
        String run = "score/" + key;
        SequenceModel model = Replicas.borrow(run, modelBytes);
        try {
            for (int from = 0; from < all.size(); from += group) {
                List<ShardSequence> part = all.subList(from, Math.min(all.size(), from + group));
                float[][] outputs = model.predict(data(part));
                for (int i = 0; i < part.size(); i++) {
                    out.add(row(part.get(i), outputs[i]));
                }
            }
        } finally {
            Replicas.release(run, model);
        }
        return out.iterator();
    }

    /** The group as an inputs-only data set: (T_i, F) features or (T_i) token ids; a bad sequence fails the task with its id. */
    private SequenceDataset data(List<ShardSequence> part) {
        List<float[][]> inputs = new ArrayList<>(part.size());
        List<int[]> tokens = new ArrayList<>(part.size());
        for (ShardSequence s : part) {
            if (s.problem() != null) {
                throw new IllegalArgumentException("sequence '" + s.id() + "' has " + s.problem());
            }
            if (vocabulary > 0) {
                tokens.add(SparkTokens.ids(s, vocabulary));
                continue;
            }
            if (s.width() != features) {
                throw new IllegalArgumentException("sequence '" + s.id() + "' has " + s.width() + " features per step, the model reads " + features);
            }
            float[][] x = new float[s.length()][];
            for (int t = 0; t < x.length; t++) {
                x[t] = java.util.Arrays.copyOfRange(s.inputs(), t * features, (t + 1) * features);
            }
            inputs.add(x);
        }
        return vocabulary > 0 ? SequenceDataset.ofTokenInputs(tokens, vocabulary) : SequenceDataset.ofInputs(inputs);
    }

    /** One output row: {@code output} is (K) per sequence or (T * K) per step, step-major (logits or values). */
    private Row row(ShardSequence s, float[] output) {
        int width = perStep ? output.length / s.length() : output.length;
        int steps = perStep ? s.length() : 1;
        if (!classes) {
            double[][] values = new double[steps][width];
            for (int t = 0; t < steps; t++) {
                for (int k = 0; k < width; k++) {
                    values[t][k] = output[t * width + k];
                }
            }
            return RowFactory.create(s.id(), perStep ? values : values[0]);
        }
        double[] prediction = new double[steps];
        String[] names = new String[steps];
        Vector[] probabilities = new Vector[steps];
        for (int t = 0; t < steps; t++) {
            double[] p = softmax(output, t * width, width);
            int best = argMax(output, t * width, width);
            prediction[t] = best;
            names[t] = best < classNames.size() ? classNames.get(best) : null;
            probabilities[t] = Vectors.dense(p);
        }
        return perStep ? RowFactory.create(s.id(), prediction, names, probabilities)
                : RowFactory.create(s.id(), prediction[0], names[0], probabilities[0]);
    }

    private static int argMax(float[] z, int from, int count) {
        int best = 0;
        for (int c = 1; c < count; c++) {
            if (z[from + c] > z[from + best]) {
                best = c;
            }
        }
        return best;
    }

    /** softmax(z[from, from + count)) in double: exp(z_c - max) / sum. */
    private static double[] softmax(float[] z, int from, int count) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int c = 0; c < count; c++) {
            max = Math.max(max, z[from + c]);
        }
        double[] p = new double[count];
        for (int c = 0; c < count; c++) {
            p[c] = Math.exp(z[from + c] - max);
            sum += p[c];
        }
        for (int c = 0; c < count; c++) {
            p[c] /= sum;
        }
        return p;
    }
}
