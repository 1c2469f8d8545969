package dev.panamarnn;

import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.unroll.Layer;
import dev.panamarnn.unroll.Stack;
import java.lang.foreign.MemorySegment;

/**
 * The copies between a {@link Workspace}'s state tensors, (L*D, B, H) with layer l, direction d at
 * block l*D + d (as PyTorch), and each direction's (B, H) state inside the stack: h0, c0 in;
 * h_n, c_n out; dL/dh_n, dL/dc_n in; dL/dh0, dL/dc0 out. Null inputs mean zeros.
 */
final class StateCopies {
    private final Stack stack;
    private final int layers;
    private final int directions;
    private final boolean cellState;   // LSTM: c and dL/dc as well
    private final long stateBytes;     // one direction's (B, H)

    StateCopies(Stack stack, RnnConfig config, int batch) {
        this.stack = stack;
        this.layers = config.numLayers();
        this.directions = config.directions();
        this.cellState = config.cell().hasCellState();
        this.stateBytes = (long) batch * config.hiddenSize() * Float.BYTES;
    }

    /** h0 (and c0) into each direction's initial state. */
    void copyInitialStates(Tensor h0, Tensor c0) {
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < directions; d++) {
                Layer layer = stack.layer(l, d);
                long at = offset(l, d);
                copyOrZero(h0, at, layer.buffers().h[layer.initialIndex()]);
                if (cellState) {
                    copyOrZero(c0, at, layer.buffers().c[layer.initialIndex()]);
                }
            }
        }
    }

    /** h_n (and c_n) from each direction's final state. */
    void copyFinalStates(Tensor finalHidden, Tensor finalCell) {
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < directions; d++) {
                Layer layer = stack.layer(l, d);
                long at = offset(l, d);
                MemorySegment.copy(layer.buffers().h[layer.finalIndex()], 0, finalHidden.segment(), at, stateBytes);
                if (cellState) {
                    MemorySegment.copy(layer.buffers().c[layer.finalIndex()], 0, finalCell.segment(), at, stateBytes);
                }
            }
        }
    }

    /** dL/dh_n (and dL/dc_n) into each direction's carried gradient. */
    void copyFinalStateGradients(Tensor dhN, Tensor dcN) {
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < directions; d++) {
                Layer layer = stack.layer(l, d);
                long at = offset(l, d);
                copyOrZero(dhN, at, layer.buffers().dhCarry);
                if (cellState) {
                    copyOrZero(dcN, at, layer.buffers().dcCarry);
                }
            }
        }
    }

    /** dL/dh0 (and dL/dc0): the carried gradients when the backward {@code reached} the initial state, else zeros. */
    void copyInitialStateGradients(boolean reached, Tensor hiddenGradient, Tensor cellGradient) {
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < directions; d++) {
                Layer layer = stack.layer(l, d);
                long at = offset(l, d);
                copyInitialStateGradient(reached, layer.buffers().dhCarry, hiddenGradient.segment(), at);
                if (cellState) {
                    copyInitialStateGradient(reached, layer.buffers().dcCarry, cellGradient.segment(), at);
                }
            }
        }
    }

    /** Byte offset of layer l, direction d's (B, H) block. */
    private long offset(int l, int d) {
        return (long) (l * directions + d) * stateBytes;
    }

    /** target (B, H) = the block of source at offset, or zeros when source is null. */
    private void copyOrZero(Tensor source, long offset, MemorySegment target) {
        if (source == null) {
            target.fill((byte) 0);
        } else {
            MemorySegment.copy(source.segment(), offset, target, 0, stateBytes);
        }
    }

    private void copyInitialStateGradient(boolean reached, MemorySegment carry, MemorySegment target, long at) {
        if (reached) {
            MemorySegment.copy(carry, 0, target, at, stateBytes);
        } else {
            target.asSlice(at, stateBytes).fill((byte) 0);
        }
    }
}
