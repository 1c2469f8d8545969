package dev.panamarnn.unroll;

import dev.panamarnn.RnnConfig;
import dev.panamarnn.cell.CellBuffers;
import dev.panamarnn.cell.DirectionParameters;
import dev.panamarnn.cell.Slices;
import java.lang.foreign.MemorySegment;

/**
 * The typed layout of a {@link Stack}'s buffers for (T, B) in the workspace slab: each buffer
 * declared once, with its shape, for both sizing and slicing ({@link Slices}). Per direction, the
 * cell's buffers ({@link CellBuffers}) under the prefix "l{layer}.d{direction}.".
 */
final class StackBuffers {
    final MemorySegment input;              // (T, B, I) copy of the input, time-major
    final MemorySegment ones;               // (T*B) ones, for column sums
    final MemorySegment zeros;              // (max(G*H, H)) zeros, copied over rows to clear them
    final MemorySegment dInput;             // (T, B, I) dL/dx
    final MemorySegment[] outputs;          // [layer] (T, B, D*H)
    final MemorySegment[] masks;            // [layer] (T, B, In_l) dropout scale, or null (layer 0, no dropout)
    final MemorySegment[] layerGradients;   // [layer] (T, B, D*H) dL/d(output of layer); null for the top (the caller's)
    final CellBuffers[][] directions;       // [layer][direction]
    final MemorySegment atbScratch;         // (atbScratchFloats) the weight gradients' product's scratch, or null

    /**
     * @param parameters [layer][direction] the parameter views, or null on the sizing pass
     * @param transposed whether every direction keeps W_hh^T (see {@link Stack#transposedRecurrentWeights})
     * @param packed     whether every direction keeps W_hh and W_ih packed (see {@link Stack#packedWeights})
     * @param atbScratchFloats the floats of scratch for the weight gradients' product, 0 for none
     *                   (see {@link Stack#atbScratchFloats})
     */
    StackBuffers(Slices at, RnnConfig c, int steps, int batch, boolean transposed, boolean packed, long atbScratchFloats,
                 DirectionParameters[][] parameters) {
        int h = c.hiddenSize(), gw = c.cell().gates() * h, dh = c.outputSize();
        int L = c.numLayers(), D = c.directions();
        this.input = at.take("input", steps, batch, c.inputSize());                  // (T, B, I)
        this.ones = at.take("ones", steps * batch);                                   // (T*B)
        this.zeros = at.take("zeros", Math.max(gw, h));                               // (max(G*H, H))
        this.dInput = at.take("d_input", steps, batch, c.inputSize());               // (T, B, I)
        this.atbScratch = atbScratchFloats > 0 ? at.take("atb_scratch", Math.toIntExact(atbScratchFloats)) : null;
        this.outputs = new MemorySegment[L];
        this.masks = new MemorySegment[L];
        this.layerGradients = new MemorySegment[L];
        this.directions = new CellBuffers[L][D];
        for (int l = 0; l < L; l++) {
            outputs[l] = at.take("l" + l + ".output", steps, batch, dh);             // (T, B, D*H)
            if (l > 0 && c.dropout() > 0) {
                masks[l] = at.take("l" + l + ".mask", steps, batch, c.layerInputSize(l));   // (T, B, In_l)
            }
            if (l < L - 1) {
                layerGradients[l] = at.take("l" + l + ".d_output", steps, batch, dh);      // (T, B, D*H)
            }
            for (int d = 0; d < D; d++) {
                directions[l][d] = new CellBuffers(at.under("l" + l + ".d" + d + "."), c.cell(), steps, batch, h,
                        c.layerInputSize(l), transposed, packed, atbScratch, parameters == null ? null : parameters[l][d]);
            }
        }
    }
}
