package dev.panamarnn.infer;

import dev.panamarnn.cell.Cell;
import dev.panamarnn.cell.Products;
import dev.panamarnn.cell.ResetBeforeStep;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * The buffers and the step of a {@link StreamBatcher}: B streams' next steps computed together.
 * Each stream's state is gathered into one row of a (B, I + L*H) matrix V laid out like a stream's
 * state vector [x | h_0 | ... | h_{L-1}] (see {@link ModelLayer}), so per layer the products of all
 * rows are one GEMM, gates (B, G*H) = V[:, window] (B, In+H) * [W_ih | W_hh]^T (beta 0),
 * followed by the fused kernel over B rows, which adds the bias; then every row is scattered back
 * to its stream. A whole model's input stage runs per row as it is gathered (normalisation, or the
 * embedding row of a token id), and its head once over all rows after the top layer (one GEMM per
 * Linear, reading the top layer's h straight from V). The products go through {@link Products}
 * (a GEMV for one row; the model's weights packed once, or else transposed on the kernels'
 * small-product path for small batches). Both GRUs keep W_ih and W_hh apart: the input product alone, then the recurrent product
 * on the gathered H_{t-1} (the reset-before GRU's two, {@link ResetBeforeStep}). Used by one worker
 * thread; allocates nothing per batch.
 */
final class BatchWorkspace implements AutoCloseable {
    private final Kernels kernels;
    private final ModelLayer[] layers;
    private final InputStage stage;
    private final StreamHead head;                // null for a bare network
    private final int inputSize;
    private final int hidden;
    private final int width;                  // I + L*H: row stride of V
    private final int maxRows;
    private final boolean lstm;
    private final boolean gru;                // the recurrent product apart (Cell.separateRecurrentProduct)
    private final boolean resetBefore;        // the recurrent product in two parts (Cell.splitsRecurrentProduct)
    private final boolean quantized;          // int8 or bf16 weights: each product converts its rows (ModelLayer)
    private final Cell cell;                  // the cell's fused kernel
    private final Slab slab;

    private final MemorySegment vectors;          // (Bmax, I + L*H) V: row b = [x | h_0 | ... | h_{L-1}] of row b's stream
    private final MemorySegment[] windows;        // [l] V from the column of layer l's window on, row stride I + L*H
    private final MemorySegment[] hiddenColumns;  // [l] V from the column of h_l on, row stride I + L*H
    private final MemorySegment converted;        // (Bmax, max(I, H)) int8 or bf16 model: the rows of a product, converted; else null
    private final MemorySegment quantScales;      // (Bmax) int8 model: their scales; else null
    private final MemorySegment gates;            // (Bmax, G*H) the products without bias, then activations
    private final MemorySegment hiddenGates;      // (Bmax, 3H) GRU: h_{t-1} W_hh^T, then + b_hh
    private final MemorySegment hiddenPrevious;   // (Bmax, H) GRU: h_{t-1} of the layer, contiguous for the kernel
    private final MemorySegment hiddenNext;       // (Bmax, H) h_t of the layer, before it goes into V
    private final MemorySegment hiddenRz;         // (Bmax, 2H) reset-before GRU: H_{t-1} W_h{r,z}^T, the head of hiddenGates
    private final MemorySegment hiddenN;          // (Bmax, H) reset-before GRU: (R H_{t-1}) W_hn^T, the tail of hiddenGates
    private final MemorySegment resetHidden;      // (Bmax, H) reset-before GRU: R H_{t-1}
    private final MemorySegment[] cellPrevious;   // [l] (Bmax, H) LSTM: c_{t-1} gathered
    private final MemorySegment[] cellNext;       // [l] (Bmax, H) LSTM: c_t, scattered back
    private final MemorySegment top;              // V from the column of h_{L-1} on, row stride I + L*H: the head's input
    private final MemorySegment headHidden;       // (Bmax, K) the head's hidden activations; null without a hidden layer
    private final MemorySegment headOutput;       // (Bmax, outputs) the head's outputs; null for a bare network

    BatchWorkspace(InferenceModel model, int maxRows) {
        this.kernels = model.kernels();
        this.layers = model.layers();
        this.stage = model.input();
        this.head = model.head();
        this.inputSize = model.inputSize();
        this.hidden = model.hiddenSize();
        this.width = inputSize + layers.length * hidden;
        this.maxRows = maxRows;
        this.lstm = model.cell().hasCellState();
        this.cell = Cell.of(model.cell());
        this.gru = cell.separateRecurrentProduct();
        this.resetBefore = cell.splitsRecurrentProduct();
        this.quantized = model.precision() != Precision.FLOAT32;
        int gw = model.cell().gates() * hidden, count = layers.length;
        Slab.Layout.Builder layout = Slab.Layout.builder()
                .add("vectors", maxRows, width)               // (Bmax, I + L*H)
                .add("gates", maxRows, gw)                    // (Bmax, G*H)
                .add("h_next", maxRows, hidden);              // (Bmax, H)
        if (gru) {
            layout.add("hidden_gates", maxRows, gw)           // (Bmax, 3H)
                  .add("h_prev", maxRows, hidden);            // (Bmax, H)
        }
        if (resetBefore) {
            layout.add("reset_hidden", maxRows, hidden);      // (Bmax, H)
        }
        if (quantized) {
            layout.add("x_q", QuantizedMatrix.slots(QuantizedMatrix.scratchBytes(maxRows, Math.max(inputSize, hidden))))  // (Bmax, max(I, H)) uint8 or bf16
                  .add("x_scale", maxRows);                   // (Bmax)
        }
        if (lstm) {
            layout.add("c_prev", count, maxRows, hidden)      // (L, Bmax, H)
                  .add("c_next", count, maxRows, hidden);     // (L, Bmax, H)
        }
        if (head != null) {
            layout.add("head_out", maxRows, head.outputs);    // (Bmax, outputs)
            if (head.hidden > 0) {
                layout.add("head_hidden", maxRows, head.hidden); // (Bmax, K)
            }
        }
        this.slab = Slab.allocate("stream batch", layout.build());
        this.vectors = slab.get("vectors").segment();
        this.gates = slab.get("gates").segment();
        this.hiddenNext = slab.get("h_next").segment();
        this.hiddenGates = gru ? slab.get("hidden_gates").segment() : null;
        this.hiddenPrevious = gru ? slab.get("h_prev").segment() : null;
        long block = (long) maxRows * hidden * Float.BYTES;   // (Bmax, H)
        this.hiddenRz = resetBefore ? hiddenGates.asSlice(0, 2 * block) : null;
        this.hiddenN = resetBefore ? hiddenGates.asSlice(2 * block, block) : null;
        this.resetHidden = resetBefore ? slab.get("reset_hidden").segment() : null;
        this.top = vectors.asSlice(layers[count - 1].hiddenOffset * Float.BYTES);
        this.headOutput = head != null ? slab.get("head_out").segment() : null;
        this.headHidden = head != null && head.hidden > 0 ? slab.get("head_hidden").segment() : null;
        this.converted = quantized ? slab.get("x_q").segment() : null;
        this.quantScales = quantized ? slab.get("x_scale").segment() : null;
        this.windows = new MemorySegment[count];
        this.hiddenColumns = new MemorySegment[count];
        this.cellPrevious = new MemorySegment[count];
        this.cellNext = new MemorySegment[count];
        for (int l = 0; l < count; l++) {
            windows[l] = vectors.asSlice(layers[l].windowOffset * Float.BYTES);
            hiddenColumns[l] = vectors.asSlice(layers[l].hiddenOffset * Float.BYTES);
            if (lstm) {
                cellPrevious[l] = slab.get("c_prev").segment().asSlice(l * block, block);
                cellNext[l] = slab.get("c_next").segment().asSlice(l * block, block);
            }
        }
    }

    int maxRows() {
        return maxRows;
    }

    /**
     * Row b of V = [x | h of the stream] (zeros instead of the state when {@code reset}); c likewise.
     * x is the event (normalised here if the model normalises).
     */
    void gather(int b, StreamState stream, float[] x, boolean reset) {
        long row = (long) b * width * Float.BYTES;
        MemorySegment.copy(x, 0, vectors, Tensor.FLOAT, row, inputSize);
        stage.normalise(vectors, row);
        gatherState(b, stream, reset);
    }

    /** Row b of V = [E[tokenId] | h of the stream]; the id was checked when it was submitted. */
    void gather(int b, StreamState stream, int tokenId, boolean reset) {
        stage.gather(tokenId, vectors, (long) b * width * Float.BYTES);
        gatherState(b, stream, reset);
    }

    private void gatherState(int b, StreamState stream, boolean reset) {
        long hBytes = (long) hidden * Float.BYTES, stateBytes = layers.length * hBytes;
        long at = ((long) b * width + inputSize) * Float.BYTES;
        if (reset) {
            vectors.asSlice(at, stateBytes).fill((byte) 0);
        } else {
            MemorySegment.copy(stream.hiddenState(), 0, vectors, at, stateBytes);
        }
        if (lstm) {
            for (int l = 0; l < layers.length; l++) {
                if (reset) {
                    cellPrevious[l].asSlice(b * hBytes, hBytes).fill((byte) 0);
                } else {
                    MemorySegment.copy(stream.cellState(), l * hBytes, cellPrevious[l], b * hBytes, hBytes);
                }
            }
        }
    }

    /** One step of every layer for rows 0..rows-1 of V. */
    void run(int rows) {
        Kernels k = kernels;
        int h = hidden;
        long hBytes = (long) h * Float.BYTES;
        for (int l = 0; l < layers.length; l++) {
            ModelLayer p = layers[l];
            int gw = p.gateWidth;
            long hAt = p.hiddenOffset * Float.BYTES, rowBytes = (long) width * Float.BYTES;
            if (quantized) {
                // pre (B, G*H) = X W_ih^T, then += H_{t-1} W_hh^T (GRU: hg (B, 3H) apart, and H_{t-1} gathered for the kernel)
                p.inputQuantized.times(k, gates, gw, 0f, windows[l], width, rows, converted, quantScales);
                p.recurrentQuantized.times(k, gru ? hiddenGates : gates, gw, gru ? 0f : 1f, hiddenColumns[l], width, rows, converted,
                        quantScales);
                if (gru) {
                    for (int b = 0; b < rows; b++) {
                        MemorySegment.copy(vectors, b * rowBytes + hAt, hiddenPrevious, b * hBytes, hBytes);
                    }
                }
            } else if (resetBefore) {
                // xg (B, 3H) = X (B, In) * W_ih^T; H_{t-1} gathered; the two recurrent products and kernels
                Products.timesTransposed(k, rows, gw, p.inputSize, windows[l], width, p.weights, p.weightStride, p.weightsT, 0f, gates);
                for (int b = 0; b < rows; b++) {
                    MemorySegment.copy(vectors, b * rowBytes + hAt, hiddenPrevious, b * hBytes, hBytes);
                }
                ResetBeforeStep.forward(k, hiddenNext, gates, hiddenRz, resetHidden, hiddenN, p.bias, p.recurrentBias,
                        hiddenPrevious, p.resetBefore, rows, h);
            } else if (gru) {
                // xg (B, 3H) = X (B, In) * W_ih^T;  hg (B, 3H) = H_{t-1} (B, H) * W_hh^T; the kernel adds b_ih, b_hh
                Products.timesTransposed(k, rows, gw, p.inputSize, windows[l], width, p.weights, p.weightStride, p.weightsT, p.packed,
                        0f, gates);
                for (int b = 0; b < rows; b++) {
                    MemorySegment.copy(vectors, b * rowBytes + hAt, hiddenPrevious, b * hBytes, hBytes);
                }
                Products.timesTransposed(k, rows, gw, h, hiddenPrevious, h, p.recurrentWeights, p.recurrentStride, p.recurrentWeightsT,
                        p.packedRecurrent, 0f, hiddenGates);
            } else {
                // pre (B, G*H) = [X | H_{t-1}] (B, In+H) * [W_ih | W_hh]^T; the kernel adds b_ih + b_hh
                Products.timesTransposed(k, rows, gw, p.rowLength, windows[l], width, p.weights, p.rowLength, p.weightsT, p.packed, 0f,
                        gates);
            }
            if (!resetBefore) {
                // h_t (B, H) (and c_t) from the products; GRU reads H_{t-1} gathered, LSTM C_{t-1}
                cell.forwardKernel(k, hiddenNext, cellNext[l], gates, hiddenGates, p.bias, p.recurrentBias, hiddenPrevious,
                        cellPrevious[l], rows, h);
            }
            for (int b = 0; b < rows; b++) {                                                  // V[b, h_l] = h_t[b]
                MemorySegment.copy(hiddenNext, b * hBytes, vectors, b * rowBytes + hAt, hBytes);
            }
        }
        if (head != null) {
            head.forward(headOutput, headHidden, top, width, rows);                           // Y (B, outputs) = head(H_{L-1})
        }
    }

    /** The stream of row b takes the row's new state. */
    void scatter(int b, StreamState stream) {
        long hBytes = (long) hidden * Float.BYTES;
        long row = (long) b * width * Float.BYTES + (long) inputSize * Float.BYTES;
        MemorySegment.copy(vectors, row, stream.hiddenState(), 0, layers.length * hBytes);
        if (lstm) {
            for (int l = 0; l < layers.length; l++) {
                MemorySegment.copy(cellNext[l], b * hBytes, stream.cellState(), l * hBytes, hBytes);
            }
        }
    }

    /** Row b's output, the top layer's h_t (H floats) or the head's outputs, into {@code out}. */
    void output(int b, float[] out) {
        if (head != null) {
            MemorySegment.copy(headOutput, Tensor.FLOAT, (long) b * head.outputs * Float.BYTES, out, 0, head.outputs);
            return;
        }
        long at = ((long) b * width + layers[layers.length - 1].hiddenOffset) * Float.BYTES;
        MemorySegment.copy(vectors, Tensor.FLOAT, at, out, 0, hidden);
    }

    @Override
    public void close() {
        slab.close();
    }
}
