package dev.panamarnn.model;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.data.CharVocabulary;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.layers.Embedding;
import dev.panamarnn.layers.Linear;
import dev.panamarnn.tensor.Slab;

/**
 * A character-level language model: token ids -> embedding (V, E) -> recurrent stack (E -> H,
 * unidirectional) -> linear head (H -> V) applied at every step, predicting the next character.
 * All parameters share one slab (names as a PyTorch module with submodules embedding, rnn, head:
 * "embedding.weight", "rnn.weight_ih_l0", ..., "head.weight", "head.bias"), and all gradients
 * one slab of the same layout, so the optimizer is one flat loop.
 */
public final class CharModel implements AutoCloseable {
    /** Architecture of the model besides the vocabulary. */
    public record Config(CellType cell, int embedding, int hidden, int layers, double dropout, long seed) {
        public Config {
            if (cell == null || embedding < 1 || hidden < 1 || layers < 1) {
                throw new IllegalArgumentException("char model needs a cell, embedding >= 1, hidden >= 1, layers >= 1; got "
                        + cell + ", " + embedding + ", " + hidden + ", " + layers);
            }
            // the recurrent part's own checks (dropout in [0, 1), sizes that fit); the fields are not set yet
            RnnConfig.builder(cell, embedding, hidden).layers(layers).dropout(dropout).seed(seed).build();
        }

        RnnConfig rnn() {
            return RnnConfig.builder(cell, embedding, hidden).layers(layers).dropout(dropout).seed(seed).build();
        }
    }

    public static final String EMBEDDING = "embedding.";
    public static final String RNN = "rnn.";
    public static final String HEAD = "head.";

    private final Config config;
    private final CharVocabulary vocabulary;
    private final Kernels kernels;
    private final Slab parameters;
    private final Slab gradients;
    private final Embedding embedding;
    private final Rnn rnn;
    private final Linear head;

    public CharModel(Config config, CharVocabulary vocabulary, Kernels kernels) {
        if (config == null || vocabulary == null || kernels == null) {
            throw new IllegalArgumentException("a char model needs a config, a vocabulary and kernels; got config " + config
                    + ", vocabulary " + (vocabulary == null ? "null" : vocabulary.size() + " characters") + ", kernels "
                    + (kernels == null ? "null" : kernels.name()));
        }
        this.config = config;
        this.vocabulary = vocabulary;
        this.kernels = kernels;
        Slab.Layout layout = layout(config, vocabulary.size());
        this.parameters = Slab.allocate("char-model parameters", layout);
        this.gradients = Slab.allocate("char-model gradients", layout);
        try {
            this.embedding = new Embedding(parameters, gradients, EMBEDDING, vocabulary.size(), config.embedding(), config.seed());
            this.rnn = Rnn.inSlabs(config.rnn(), kernels, parameters, gradients, RNN);
            this.head = new Linear(kernels, parameters, gradients, HEAD, config.hidden(), vocabulary.size(), config.seed() + 1);
        } catch (RuntimeException | Error e) {
            parameters.close();
            gradients.close();
            throw e;
        }
    }

    /** embedding.weight (V, E); rnn.* (PyTorch names); head.weight (V, H), head.bias (V). */
    public static Slab.Layout layout(Config config, int vocabularySize) {
        Slab.Layout.Builder layout = Slab.Layout.builder();
        Embedding.addParameters(layout, EMBEDDING, vocabularySize, config.embedding());
        Rnn.addParameters(layout, config.rnn(), RNN);
        Linear.addParameters(layout, HEAD, config.hidden(), vocabularySize);
        return layout.build();
    }

    public Config config() {
        return config;
    }

    public CharVocabulary vocabulary() {
        return vocabulary;
    }

    public Kernels kernels() {
        return kernels;
    }

    public Slab parameters() {
        return parameters;
    }

    public Slab gradients() {
        return gradients;
    }

    public Embedding embedding() {
        return embedding;
    }

    public Rnn rnn() {
        return rnn;
    }

    public Linear head() {
        return head;
    }

    /**
     * The same network as a {@link SequenceModel} (token ids, language model, per step) holding a
     * copy of these parameters, on these kernels — the same names, so each tensor is copied by
     * name. For serving it through {@code InferenceModel}; the caller closes it.
     */
    public SequenceModel toSequenceModel() {
        if (!parameters.isOpen()) {
            throw new IllegalStateException("this CharModel is closed");
        }
        SequenceModel whole = SequenceModel.builder().tokens(vocabulary.size(), config.embedding()).languageModel()
                .cell(config.cell()).hidden(config.hidden()).layers(config.layers()).dropout(config.dropout()).seed(config.seed())
                .kernels(kernels).build();
        try {
            for (var e : parameters.tensors().entrySet()) {
                whole.parameters().get(e.getKey()).segment().copyFrom(e.getValue().segment());
            }
        } catch (RuntimeException | Error e) {
            whole.close();
            throw e;
        }
        return whole;
    }

    @Override
    public void close() {
        rnn.close();
        parameters.close();
        gradients.close();
    }
}
