package dev.panamarnn.spark;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceDataset;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;

/**
 * Token-id sequences in the long layout ({@link SparkSequences#ofTokens}): one numeric feature
 * column whose values are token ids, integers in [0, V), carried as floats like any feature (exact
 * up to 2^24, the largest vocabulary taken) and turned into the library's token data sets on the
 * executors, for a model whose input stage is an embedding.
 */
final class SparkTokens {
    /** Floats hold every integer up to 2^24 exactly. */
    static final int MAX_VOCABULARY = 1 << 24;

    private SparkTokens() {}

    /** Refuses what a token data set cannot hold, before any Spark job. */
    static void checkLayout(CsvLayout layout, int vocabulary) {
        if (vocabulary < 1 || vocabulary > MAX_VOCABULARY) {
            throw new IllegalArgumentException("the vocabulary must be in [1, " + MAX_VOCABULARY + "] (token ids travel as floats), got "
                    + vocabulary);
        }
        if (layout != null && !layout.targetColumns().isEmpty()) {
            throw new IllegalArgumentException("token data sets take class labels (a label column), not target columns " + layout.targetColumns());
        }
    }

    /** One id per step, every id an integer in [0, V): the first offence (in shard order) as an IllegalArgumentException. */
    static void check(JavaRDD<ShardSequence> shards, SparkSequences.Schema schema, int vocabulary) {
        if (schema.features() != 1) {
            throw new IllegalArgumentException("a token column holds one id per step, the feature columns give " + schema.features());
        }
        List<String> problems = shards.map(s -> problem(s, vocabulary)).filter(p -> p != null).take(1);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.getFirst());
        }
    }

    private static String problem(ShardSequence s, int vocabulary) {
        try {
            ids(s, vocabulary);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** (T) the sequence's token ids. */
    static int[] ids(ShardSequence s, int vocabulary) {
        if (s.width() != 1) {
            throw new IllegalArgumentException("sequence '" + s.id() + "' has " + s.width() + " values per step, a token column one id");
        }
        int[] ids = new int[s.length()];
        for (int t = 0; t < ids.length; t++) {
            float v = s.inputs()[t];
            if (!(v >= 0 && v < vocabulary) || v != Math.rint(v)) {
                throw new IllegalArgumentException("sequence '" + s.id() + "' step " + t + " has token id " + v + ", not an integer in [0, "
                        + vocabulary + ")");
            }
            ids[t] = (int) v;
        }
        return ids;
    }

    /** A shard's token sequences (in rank order) as the library's token data set: labels per sequence or per step, or none. */
    static SequenceDataset toDataset(List<ShardSequence> shard, SparkSequences.Schema schema) {
        int v = schema.vocabulary();
        List<int[]> ids = new ArrayList<>(shard.size());
        for (ShardSequence s : shard) {
            ids.add(ids(s, v));
        }
        return switch (schema.targets()) {
            case NONE -> SequenceDataset.ofTokenInputs(ids, v);
            case CLASS_PER_SEQUENCE -> SequenceDataset.ofTokens(ids, v, SparkSequences.sequenceLabels(shard, schema), schema.classes());
            case CLASS_PER_STEP -> SequenceDataset.ofTokenStepLabels(ids, v, SparkSequences.stepLabels(shard, schema), schema.classes());
            default -> throw new IllegalArgumentException("token data sets take class labels, this one has " + schema.targets());
        };
    }
}
