package dev.panamarnn.seq2seq;

import java.lang.foreign.MemorySegment;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.layers.Embedding;
import dev.panamarnn.layers.Linear;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * An encoder-decoder with attention ({@link Seq2SeqConfig} has the equations). All parameters live
 * in one slab, their gradients in one slab of the same layout, so an optimizer step over the whole
 * model is one flat loop (e.g. {@code new Adam(model.kernels(), model.parameters(), model.gradients(), lr)}).
 * The sizes table, in order, with PyTorch module names:
 * <pre>
 *   source_embedding.weight         (Vs, E)
 *   encoder.weight_ih_l0 ...        the encoder Rnn's state_dict (D directions, L layers)
 *   target_embedding.weight         (Vt, E)
 *   decoder.weight_ih_l0 ...        the decoder Rnn's state_dict (input E + C, hidden C, L layers)
 *   attention.weight                (C, C)    W_a, nn.Linear(C, C, bias=False) applied to the encoder outputs
 *   output.weight                   (Vt, 2C)  W_o over [h_t; context_t]
 *   output.bias                     (Vt)
 * </pre>
 * Training: {@link #pass(int, int, int)} gives a {@link Seq2SeqPass} for one batch shape.
 * Decoding: {@link #decoder(int, int)}. Closing frees the slabs.
 */
public final class Seq2Seq implements AutoCloseable {
    private final Seq2SeqConfig config;
    private final Kernels kernels;
    private final Slab parameters;
    private final Slab gradients;
    private final Embedding sourceEmbedding;
    private final Embedding targetEmbedding;
    private final Rnn encoder;
    private final Rnn decoder;
    private final Linear output;
    private final Tensor attention;          // (C, C) W_a
    private final Tensor attentionGradient;  // (C, C)

    private Seq2Seq(Seq2SeqConfig config, Kernels kernels) {
        this.config = config;
        this.kernels = kernels;
        Slab.Layout layout = layout(config);
        this.parameters = Slab.allocate("seq2seq parameters", layout);
        this.gradients = Slab.allocate("seq2seq gradients", layout);
        int e = config.embedding(), c = config.contextSize();
        long seed = config.seed();
        this.sourceEmbedding = new Embedding(parameters, gradients, "source_embedding.", config.sourceVocab(), e, seed);
        this.encoder = Rnn.inSlabs(encoderConfig(config), kernels, parameters, gradients, "encoder.");
        this.targetEmbedding = new Embedding(parameters, gradients, "target_embedding.", config.targetVocab(), e, seed + 2);
        this.decoder = Rnn.inSlabs(decoderConfig(config), kernels, parameters, gradients, "decoder.");
        this.attention = parameters.get("attention.weight");
        this.attentionGradient = gradients.get("attention.weight");
        SplittableRandom random = new SplittableRandom(seed + 4);
        double bound = 1 / Math.sqrt(c);
        for (long i = 0; i < attention.size(); i++) {
            attention.set(i, (float) ((random.nextDouble() * 2 - 1) * bound));
        }
        this.output = new Linear(kernels, parameters, gradients, "output.", 2 * c, config.targetVocab(), seed + 5);
    }

    /** A model with seeded initialisation on the JVM's selected kernels. */
    public static Seq2Seq create(Seq2SeqConfig config) {
        return create(config, KernelSelection.selected());
    }

    /** The same on explicitly chosen kernels. */
    public static Seq2Seq create(Seq2SeqConfig config, Kernels kernels) {
        if (config == null || kernels == null) {
            throw new IllegalArgumentException("config and kernels are required");
        }
        return new Seq2Seq(config, kernels);
    }

    /** The sizes table (see the class comment). */
    public static Slab.Layout layout(Seq2SeqConfig config) {
        int e = config.embedding(), c = config.contextSize();
        Slab.Layout.Builder b = Slab.Layout.builder();
        Embedding.addParameters(b, "source_embedding.", config.sourceVocab(), e);
        Rnn.addParameters(b, encoderConfig(config), "encoder.");
        Embedding.addParameters(b, "target_embedding.", config.targetVocab(), e);
        Rnn.addParameters(b, decoderConfig(config), "decoder.");
        b.add("attention.weight", c, c);
        Linear.addParameters(b, "output.", 2 * c, config.targetVocab());
        return b.build();
    }

    /**
     * The encoder's final state (L*D, B, H) as the decoder's start state (L, B, D*H): each layer's
     * directions side by side (the training pass and the decoder both start from it).
     */
    static void bridge(MemorySegment from, MemorySegment to, int layers, int directions, int batch, int hidden) {
        long hBytes = (long) hidden * Float.BYTES;
        int width = directions * hidden;
        for (int l = 0; l < layers; l++) {
            for (int dir = 0; dir < directions; dir++) {
                for (int b = 0; b < batch; b++) {
                    MemorySegment.copy(from, (((long) (l * directions + dir) * batch + b) * hidden) * Float.BYTES, to,
                            (((long) l * batch + b) * width + (long) dir * hidden) * Float.BYTES, hBytes);
                }
            }
        }
    }

    static RnnConfig encoderConfig(Seq2SeqConfig c) {
        return RnnConfig.builder(c.cell(), c.embedding(), c.hidden()).layers(c.layers())
                .bidirectional(c.bidirectional()).seed(c.seed() + 1).build();
    }

    static RnnConfig decoderConfig(Seq2SeqConfig c) {
        return RnnConfig.builder(c.cell(), c.decoderInput(), c.contextSize()).layers(c.layers()).seed(c.seed() + 3).build();
    }

    /** Forward and backward for batches of B rows, sources of at most S tokens, targets of at most T. */
    public Seq2SeqPass pass(int sourceSteps, int targetSteps, int batch) {
        checkOpen();
        return new Seq2SeqPass(this, sourceSteps, targetSteps, batch);
    }

    /** Decoding of one source of at most S tokens with up to {@code rows} hypotheses at a time (the beam width). */
    public Seq2SeqDecoder decoder(int sourceSteps, int rows) {
        checkOpen();
        return new Seq2SeqDecoder(this, sourceSteps, rows);
    }

    public Seq2SeqConfig config() {
        return config;
    }

    public Kernels kernels() {
        return kernels;
    }

    /** The parameters, by name (class comment). */
    public Slab parameters() {
        checkOpen();
        return parameters;
    }

    /** The gradients, same layout; backward adds into them. */
    public Slab gradients() {
        checkOpen();
        return gradients;
    }

    Embedding sourceEmbedding() {
        return sourceEmbedding;
    }

    Embedding targetEmbedding() {
        return targetEmbedding;
    }

    Rnn encoder() {
        return encoder;
    }

    Rnn decoderRnn() {
        return decoder;
    }

    Linear output() {
        return output;
    }

    Tensor attention() {
        return attention;
    }

    Tensor attentionGradient() {
        return attentionGradient;
    }

    void checkOpen() {
        if (!parameters.isOpen()) {
            throw new IllegalStateException("this Seq2Seq model is closed");
        }
    }

    @Override
    public void close() {
        parameters.close();
        gradients.close();
    }
}
