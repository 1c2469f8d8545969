package dev.panamarnn.infer;

import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The input stage of an {@link InferenceModel}: what turns one event into the stack's input x_t
 * (I floats), written straight into a stream's state vector or a row of a batch. Three kinds:
 * <pre>
 *   floats      x_t = the event (I floats)                            a bare Rnn, an unnormalised feature model
 *   normalised  x_t[j] = (event[j] - mean[j]) / std[j], float32       a feature model with normalisation
 *   tokens      x_t = E[id] (E floats), id in [0, V)                  a token model (nn.Embedding)
 * </pre>
 * The table, mean and std are views of the model's immutable slab. This class does the arithmetic
 * and the gather; it does not check widths (the callers do, before they claim anything).
 */
final class InputStage {
    private static final ValueLayout.OfFloat F = Tensor.FLOAT;

    /** I: the stack's input width (F, or E for tokens). */
    final int width;
    /** V for a token model, 0 otherwise. */
    final int vocabulary;
    private final MemorySegment table;   // (V, E) embedding rows; null unless tokens
    private final MemorySegment mean;    // (F) null unless normalised
    private final MemorySegment std;     // (F) null unless normalised

    private InputStage(int width, int vocabulary, MemorySegment table, MemorySegment mean, MemorySegment std) {
        this.width = width;
        this.vocabulary = vocabulary;
        this.table = table;
        this.mean = mean;
        this.std = std;
    }

    /** x_t = the event. */
    static InputStage floats(int width) {
        return new InputStage(width, 0, null, null, null);
    }

    /** x_t = (event - mean) / std per feature; mean, std (F). */
    static InputStage normalised(MemorySegment mean, MemorySegment std, int features) {
        return new InputStage(features, 0, null, mean, std);
    }

    /** x_t = table[id]; table (V, E). */
    static InputStage tokens(MemorySegment table, int vocabulary, int dim) {
        return new InputStage(dim, vocabulary, table, null, null);
    }

    boolean tokens() {
        return table != null;
    }

    boolean normalises() {
        return mean != null;
    }

    /** Throws unless {@code id} is in [0, V); called before anything changes. */
    void checkToken(int id) {
        if (id < 0 || id >= vocabulary) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocabulary
                    + ") of this model (V = " + vocabulary + ")");
        }
    }

    /**
     * x (I) at {@code offset} bytes into {@code x}, already holding the event, normalised in place:
     * x[j] = (x[j] - mean[j]) / std[j], as PyTorch's float32 (x - mean) / std. Nothing without normalisation.
     */
    void normalise(MemorySegment x, long offset) {
        if (mean == null) {
            return;
        }
        for (int j = 0; j < width; j++) {
            long at = offset + (long) j * Float.BYTES;
            x.set(F, at, (x.get(F, at) - mean.getAtIndex(F, j)) / std.getAtIndex(F, j));
        }
    }

    /** x (E) at {@code offset} bytes into {@code x} = E[id]; id already checked. */
    void gather(int id, MemorySegment x, long offset) {
        long rowBytes = (long) width * Float.BYTES;
        MemorySegment.copy(table, id * rowBytes, x, offset, rowBytes);
    }
}
