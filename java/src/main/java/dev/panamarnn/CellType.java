package dev.panamarnn;

/** The recurrent cells, with PyTorch's gate order and equations (DESIGN.md "Equations"). */
public enum CellType {
    /** i, f, g, o; c_t = f c_{t-1} + i g, h_t = o tanh(c_t). */
    LSTM("lstm", 4),
    /** r, z, n; n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h_t = (1 - z) n + z h_{t-1}. */
    GRU("gru", 3),
    /** h_t = tanh(W_ih x + b_ih + W_hh h + b_hh). */
    RNN_TANH("rnn_tanh", 1),
    /** h_t = relu(W_ih x + b_ih + W_hh h + b_hh). */
    RNN_RELU("rnn_relu", 1);

    private final String id;
    private final int gates;

    CellType(String id, int gates) {
        this.id = id;
        this.gates = gates;
    }

    /** Lower-case name used in model files and on the command line: lstm, gru, rnn_tanh, rnn_relu. */
    public String id() {
        return id;
    }

    /** Gate blocks G in W_ih (G*H, I): 4 for LSTM, 3 for GRU, 1 for the vanilla RNN. */
    public int gates() {
        return gates;
    }

    /** True for LSTM, whose state is (h, c). */
    public boolean hasCellState() {
        return this == LSTM;
    }

    /** By id or enum name, case-insensitive; "rnn" means the vanilla RNN with tanh (PyTorch's default). */
    public static CellType fromId(String id) {
        if ("rnn".equalsIgnoreCase(id)) {
            return RNN_TANH;
        }
        for (CellType type : values()) {
            if (type.id.equalsIgnoreCase(id) || type.name().equalsIgnoreCase(id)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown cell type '" + id + "'; expected one of lstm, gru, rnn (= rnn_tanh), rnn_tanh, rnn_relu");
    }
}
