package dev.panamarnn;

/**
 * The architecture of a recurrent network: cell, sizes, layers, direction, dropout between layers,
 * the tensor convention at the API boundary and the seed of the initialisation and dropout masks.
 * Build with {@link #builder(CellType, int, int)}.
 *
 * @param batchFirst inputs and outputs are (B, T, features) at the API; time-major (T, B, features) otherwise
 */
public record RnnConfig(CellType cell, int inputSize, int hiddenSize, int numLayers, boolean bidirectional,
                        double dropout, boolean batchFirst, long seed) {

    public RnnConfig {
        if (cell == null) {
            throw new IllegalArgumentException("cell type is required");
        }
        positive("inputSize", inputSize);
        positive("hiddenSize", hiddenSize);
        positive("numLayers", numLayers);
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        // the largest GEMM dimension, G*H and the gate buffers' row length, must fit an int (twice: GRU
        // keeps two gate buffers, bidirectional layers read 2H)
        if ((long) cell.gates() * 2 * hiddenSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("hiddenSize " + hiddenSize + " is too large for " + cell.id() + ": 2*G*H = "
                    + (long) cell.gates() * 2 * hiddenSize + " must fit an int (at most " + Integer.MAX_VALUE + ")");
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    /** Number of directions D: 2 when bidirectional, else 1. */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    /** Features of each layer's output, D*H. */
    public int outputSize() {
        return directions() * hiddenSize;
    }

    /** Features of layer {@code layer}'s input: I for layer 0, D*H above. */
    public int layerInputSize(int layer) {
        return layer == 0 ? inputSize : outputSize();
    }

    public static Builder builder(CellType cell, int inputSize, int hiddenSize) {
        return new Builder(cell, inputSize, hiddenSize);
    }

    /** Fluent builder; defaults: 1 layer, unidirectional, no dropout, time-major, seed 0. */
    public static final class Builder {
        private final CellType cell;
        private final int inputSize;
        private final int hiddenSize;
        private int numLayers = 1;
        private boolean bidirectional;
        private double dropout;
        private boolean batchFirst;
        private long seed;

        private Builder(CellType cell, int inputSize, int hiddenSize) {
            this.cell = cell;
            this.inputSize = inputSize;
            this.hiddenSize = hiddenSize;
        }

        public Builder layers(int n) {
            this.numLayers = n;
            return this;
        }

        public Builder bidirectional(boolean value) {
            this.bidirectional = value;
            return this;
        }

        /** Dropout probability applied to the input of every layer but the first, in training only. */
        public Builder dropout(double p) {
            this.dropout = p;
            return this;
        }

        public Builder batchFirst(boolean value) {
            this.batchFirst = value;
            return this;
        }

        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        public RnnConfig build() {
            return new RnnConfig(cell, inputSize, hiddenSize, numLayers, bidirectional, dropout, batchFirst, seed);
        }
    }
}
