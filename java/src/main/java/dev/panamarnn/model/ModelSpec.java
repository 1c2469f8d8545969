package dev.panamarnn.model;

import dev.panamarnn.CellType;
import dev.panamarnn.RnnConfig;
import java.util.Arrays;
import java.util.List;

/**
 * The architecture of a {@link SequenceModel}, as the PyTorch module it mirrors:
 * <pre>
 *   input stage   tokens:   embedding = nn.Embedding(V, E)                      ids (B, T) -> (B, T, E)
 *                 features: normalise (buffers mean, std (F)), x' = (x - mean) / std  (B, T, F)
 *   rnn           nn.LSTM / nn.GRU / nn.RNN(E or F, H, L, bidirectional, dropout, batch_first=True)
 *   head          nn.Linear(D*H, outputs)                         names head.weight, head.bias
 *                 or nn.Sequential(nn.Linear(D*H, K), nn.ReLU(), nn.Linear(K, outputs))
 *                                                                 names head.0.*, head.2.*
 *                 computes z (N, outputs)
 *   output        regression with target normalisation (buffers targetMean, targetStd (K)):
 *                     y = z * targetStd + targetMean                                   (N, K)
 *                 otherwise y = z
 * </pre>
 * read per step ({@link OutputMode#PER_STEP}) or from each row's final state ({@link OutputMode#SEQUENCE}).
 *
 * <p>Target normalisation lets a regressor trained on raw targets of any scale learn in normalised
 * units while everything the user sees is in the targets' own units:
 * <pre>
 *   training      targets are normalised as they are loaded, t' = (t - targetMean) / targetStd per
 *                 output k; the mean squared error and its gradient are between z and t', so every
 *                 reported loss (training, validation, {@code evaluate}'s loss) is in normalised units
 *   user-visible  y in target units: predict, evaluate's MAE and RMSE (y against the raw targets),
 *                 a stream's step outputs and a stream batcher's outputs
 * </pre>
 *
 * @param features     F float features per step; 0 when the input is token ids
 * @param mean         (F) per-feature mean subtracted before the network, or null: no normalisation
 * @param std          (F) per-feature standard deviation divided by (each > 0), null with mean
 * @param vocabulary   V token ids in [0, V); 0 when the input is features
 * @param embeddingDim E, the embedding's width; 0 when the input is features
 * @param headHidden   K, width of the head's hidden ReLU layer; 0 for a single Linear head
 * @param outputs      classes C (classification), values per target K (regression), V (language model)
 * @param classNames   names of the classes (e.g. the labels of a CSV) or of a language model's tokens (e.g. its characters), or empty
 * @param targetMean   (K) per-output mean added to the head's output (regression only), or null: no target normalisation
 * @param targetStd    (K) per-output standard deviation the head's output is multiplied by (each > 0), null with targetMean
 */
public record ModelSpec(int features, float[] mean, float[] std, int vocabulary, int embeddingDim,
                        CellType cell, int hiddenSize, int layers, boolean bidirectional, double dropout,
                        int headHidden, Task task, int outputs, OutputMode outputMode, long seed,
                        List<String> classNames, float[] targetMean, float[] targetStd) {

    public ModelSpec {
        boolean tokens = vocabulary > 0;
        if (tokens == (features > 0)) {
            throw new IllegalArgumentException("a model reads either float features (features >= 1) or token ids (vocabulary >= 1), got features="
                    + features + ", vocabulary=" + vocabulary);
        }
        if (tokens && embeddingDim < 1) {
            throw new IllegalArgumentException("a token model needs an embedding width >= 1, got " + embeddingDim);
        }
        if (!tokens && embeddingDim != 0) {
            throw new IllegalArgumentException("a feature model has no embedding, got embedding width " + embeddingDim);
        }
        if ((mean == null) != (std == null)) {
            throw new IllegalArgumentException("normalisation needs both mean and std (or neither)");
        }
        if (mean != null) {
            if (tokens) {
                throw new IllegalArgumentException("normalisation is for float features, not token ids");
            }
            if (mean.length != features || std.length != features) {
                throw new IllegalArgumentException("normalisation needs " + features + " means and stds, got " + mean.length + " and " + std.length);
            }
            for (int f = 0; f < features; f++) {
                if (!Float.isFinite(mean[f]) || !(std[f] > 0) || !Float.isFinite(std[f])) {
                    throw new IllegalArgumentException("feature " + f + " needs a finite mean and a finite std > 0, got mean " + mean[f]
                            + ", std " + std[f]);
                }
                if (!usableMean(mean[f]) || !usableStd(std[f])) {
                    throw new IllegalArgumentException("feature " + f + " has mean " + mean[f] + ", std " + std[f] + "; " + NORMALISATION_RANGE);
                }
            }
            mean = mean.clone();
            std = std.clone();
        }
        if (cell == null || task == null || outputMode == null) {
            throw new IllegalArgumentException("cell, task and output mode are required, got " + cell + ", " + task + ", " + outputMode);
        }
        if (headHidden < 0) {
            throw new IllegalArgumentException("head hidden width must be >= 0 (0: no hidden layer), got " + headHidden);
        }
        if (outputs < 1 || (task.hasClasses() && outputs < 2)) {
            throw new IllegalArgumentException(task.id() + " needs " + (task.hasClasses() ? "at least 2 classes" : "at least 1 output")
                    + ", got " + outputs);
        }
        if (task == Task.LANGUAGE_MODEL) {
            if (!tokens || outputMode != OutputMode.PER_STEP || outputs != vocabulary) {
                throw new IllegalArgumentException("a language model reads token ids and predicts the next one at every step (per_step, outputs = V = "
                        + vocabulary + "), got " + (tokens ? "tokens" : "features") + ", " + outputMode.id() + ", outputs " + outputs);
            }
        }
        if (task == Task.CTC && outputMode != OutputMode.PER_STEP) {
            throw new IllegalArgumentException("a CTC model emits logits at every step (per_step), got " + outputMode.id());
        }
        classNames = classNames == null ? List.of() : List.copyOf(classNames);
        if (!classNames.isEmpty() && (task == Task.REGRESSION || classNames.size() != outputs)) {
            throw new IllegalArgumentException("class names are for classes or tokens, one per " + (task == Task.REGRESSION ? "class" : task == Task.LANGUAGE_MODEL ? "token" : "class")
                    + " (" + outputs + "), got " + classNames.size() + (task == Task.REGRESSION ? " for a regression model" : ""));
        }
        if ((targetMean == null) != (targetStd == null)) {
            throw new IllegalArgumentException("target normalisation needs both targetMean and targetStd (or neither)");
        }
        if (targetMean != null) {
            if (task != Task.REGRESSION) {
                throw new IllegalArgumentException("target normalisation is for regression, not " + task.id());
            }
            if (targetMean.length != outputs || targetStd.length != outputs) {
                throw new IllegalArgumentException("target normalisation needs " + outputs + " means and stds (one per output), got "
                        + targetMean.length + " and " + targetStd.length);
            }
            for (int k = 0; k < outputs; k++) {
                if (!Float.isFinite(targetMean[k]) || !(targetStd[k] > 0) || !Float.isFinite(targetStd[k])) {
                    throw new IllegalArgumentException("output " + k + " needs a finite target mean and a finite target std > 0, got mean "
                            + targetMean[k] + ", std " + targetStd[k]);
                }
                if (!usableMean(targetMean[k]) || !usableStd(targetStd[k])) {
                    throw new IllegalArgumentException("output " + k + " has target mean " + targetMean[k] + ", std " + targetStd[k] + "; "
                            + NORMALISATION_RANGE);
                }
            }
            targetMean = targetMean.clone();
            targetStd = targetStd.clone();
        }
        rnnConfig(features, vocabulary, embeddingDim, cell, hiddenSize, layers, bidirectional, dropout, seed);   // the stack's own checks
    }

    /**
     * The largest |mean| and std of a normalisation, and the inverse of its smallest std: 2^100.
     * float32 ends near 2^128, so this leaves 2^27 of headroom both ways: an input within 2^27 of
     * the mean normalises to a finite (x - mean) / std, and a normalised output z within 2^27
     * denormalises to a finite z * std + mean. A mean of 1e38 or a std of 1e-40 would turn ordinary
     * values into infinities.
     */
    static final float NORMALISATION_LIMIT = 0x1p100f;
    static final String NORMALISATION_RANGE = "a normalisation needs |mean| <= 2^100 (1.3e30) and a std in [2^-100, 2^100] "
            + "(7.9e-31 to 1.3e30), or (x - mean) / std and z * std + mean overflow float32";

    /** A finite mean within {@link #NORMALISATION_LIMIT}. */
    static boolean usableMean(float mean) {
        return Math.abs(mean) <= NORMALISATION_LIMIT;
    }

    /** A std in [1 / {@link #NORMALISATION_LIMIT}, {@link #NORMALISATION_LIMIT}] (so also finite and > 0). */
    static boolean usableStd(float std) {
        return std >= 1 / NORMALISATION_LIMIT && std <= NORMALISATION_LIMIT;
    }

    private static RnnConfig rnnConfig(int features, int vocabulary, int embeddingDim, CellType cell, int hiddenSize, int layers,
                                       boolean bidirectional, double dropout, long seed) {
        return RnnConfig.builder(cell, vocabulary > 0 ? embeddingDim : features, hiddenSize)
                .layers(layers).bidirectional(bidirectional).dropout(dropout).seed(seed).build();
    }

    /** The recurrent stack's configuration (time-major inside the model). */
    public RnnConfig rnn() {
        return rnnConfig(features, vocabulary, embeddingDim, cell, hiddenSize, layers, bidirectional, dropout, seed);
    }

    /** True when the input is token ids through an embedding. */
    public boolean tokens() {
        return vocabulary > 0;
    }

    /** True when the input stage normalises the features. */
    public boolean normalised() {
        return mean != null;
    }

    /** True when the model's output is the head's denormalised: y = z * targetStd + targetMean. */
    public boolean targetsNormalised() {
        return targetMean != null;
    }

    /** Width of what the head reads: D*H. */
    public int headInput() {
        return (bidirectional ? 2 : 1) * hiddenSize;
    }

    @Override
    public float[] mean() {
        return mean == null ? null : mean.clone();
    }

    @Override
    public float[] std() {
        return std == null ? null : std.clone();
    }

    @Override
    public float[] targetMean() {
        return targetMean == null ? null : targetMean.clone();
    }

    @Override
    public float[] targetStd() {
        return targetStd == null ? null : targetStd.clone();
    }

    /** The same architecture with another input normalisation (null, null: none). */
    public ModelSpec withNormalisation(float[] newMean, float[] newStd) {
        return new ModelSpec(features, newMean, newStd, vocabulary, embeddingDim, cell, hiddenSize, layers, bidirectional, dropout,
                headHidden, task, outputs, outputMode, seed, classNames, targetMean, targetStd);
    }

    /** The same architecture with another target normalisation (null, null: none). */
    public ModelSpec withTargetNormalisation(float[] newMean, float[] newStd) {
        return new ModelSpec(features, mean, std, vocabulary, embeddingDim, cell, hiddenSize, layers, bidirectional, dropout,
                headHidden, task, outputs, outputMode, seed, classNames, newMean, newStd);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec s && features == s.features && Arrays.equals(mean, s.mean) && Arrays.equals(std, s.std)
                && vocabulary == s.vocabulary && embeddingDim == s.embeddingDim && cell == s.cell && hiddenSize == s.hiddenSize
                && layers == s.layers && bidirectional == s.bidirectional && Double.compare(dropout, s.dropout) == 0
                && headHidden == s.headHidden && task == s.task && outputs == s.outputs && outputMode == s.outputMode
                && seed == s.seed && classNames.equals(s.classNames)
                && Arrays.equals(targetMean, s.targetMean) && Arrays.equals(targetStd, s.targetStd);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(features, Arrays.hashCode(mean), vocabulary, embeddingDim, cell, hiddenSize, layers,
                bidirectional, task, outputs, outputMode, headHidden, Arrays.hashCode(targetMean));
    }

    @Override
    public String toString() {
        return (tokens() ? "tokens V=" + vocabulary + " E=" + embeddingDim : "features F=" + features + (normalised() ? " normalised" : ""))
                + " -> " + cell.id() + " H=" + hiddenSize + " L=" + layers + (bidirectional ? " bidirectional" : "")
                + (dropout > 0 ? " dropout=" + dropout : "") + " -> head" + (headHidden > 0 ? " (K=" + headHidden + ", relu)" : "")
                + " -> " + outputs + " " + task.id() + (targetsNormalised() ? " (targets normalised)" : "") + " " + outputMode.id();
    }
}
