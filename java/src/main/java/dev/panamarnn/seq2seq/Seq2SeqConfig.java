package dev.panamarnn.seq2seq;

import dev.panamarnn.CellType;

/**
 * The architecture of a {@link Seq2Seq} model.
 *
 * <pre>
 *   encoder   Embedding(sourceVocab, embedding) -> Rnn(cell, embedding, hidden, layers, bidirectional)
 *   decoder   Rnn(cell, embedding + C, C, layers), C = D*hidden, started from the encoder's final
 *             state (each layer's directions concatenated), input = [E_target(y_{t-1}); context_{t-1}]
 *   attention score(s) = h_t . (W_a enc_s) over the source positions s < length (Luong "general"),
 *             context_t = sum_s softmax(score)_s enc_s
 *   output    logits_t = W_o [h_t; context_t] + b_o over the target vocabulary
 * </pre>
 *
 * @param bos the target token fed to the decoder's first step
 * @param eos the target token that ends a decoded sequence
 */
public record Seq2SeqConfig(CellType cell, int sourceVocab, int targetVocab, int embedding, int hidden, int layers,
                            boolean bidirectional, int bos, int eos, long seed) {

    public Seq2SeqConfig {
        if (cell == null) {
            throw new IllegalArgumentException("cell type is required");
        }
        positive("sourceVocab", sourceVocab);
        positive("targetVocab", targetVocab);
        positive("embedding", embedding);
        positive("hidden", hidden);
        positive("layers", layers);
        if (bos < 0 || bos >= targetVocab) {
            throw new IllegalArgumentException("bos must be a target token in [0, " + targetVocab + "), got " + bos);
        }
        if (eos < 0 || eos >= targetVocab) {
            throw new IllegalArgumentException("eos must be a target token in [0, " + targetVocab + "), got " + eos);
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    /** D: 2 for a bidirectional encoder, else 1. */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    /** C = D*hidden: the encoder's output features, the context's size and the decoder's hidden size. */
    public int contextSize() {
        return directions() * hidden;
    }

    /** The decoder's input: the previous target token's embedding and the previous context. */
    public int decoderInput() {
        return embedding + contextSize();
    }
}
