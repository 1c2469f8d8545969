package dev.panamarnn;

/**
 * The recurrent cells, with PyTorch's gate order and equations (DESIGN.md "Equations"), plus the
 * GRU variant PyTorch lacks (ONNX's default GRU), with PyTorch's parameter layout.
 */
public enum CellType {
    /** i, f, g, o; c_t = f c_{t-1} + i g, h_t = o tanh(c_t). */
    LSTM("lstm", 4),
    /** r, z, n; n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h_t = (1 - z) n + z h_{t-1}. */
    GRU("gru", 3),
    /**
     * r, z, n with the reset gate applied before the recurrent product:
     * n = tanh(W_in x + b_in + W_hn (r h_{t-1}) + b_hn), h_t = (1 - z) n + z h_{t-1}; r and z as in
     * {@link #GRU}. This is the GRU of Cho et al. 2014, ONNX's GRU with {@code linear_before_reset=0}
     * (ONNX's default) and Keras's {@code GRU(reset_after=False)}; PyTorch's {@code nn.GRU} (and
     * cuDNN) implement only {@link #GRU}, which ONNX calls {@code linear_before_reset=1}. The
     * parameters have PyTorch's GRU names, shapes and gate order ({@code weight_ih_l0} (3H, I) and
     * {@code weight_hh_l0} (3H, H) with rows r, z, n; {@code bias_ih_l0}, {@code bias_hh_l0} (3H)),
     * so only the cell differs: the same weights give other outputs. (ONNX orders the gates z, r, n
     * and joins the biases as [W_b; R_b]; Keras's kernels are (I, 3H) in z, r, h order.)
     */
    GRU_RESET_BEFORE("gru_reset_before", 3),
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

    /** Lower-case name used in model files and on the command line: lstm, gru, gru_reset_before, rnn_tanh, rnn_relu. */
    public String id() {
        return id;
    }

    /** Gate blocks G in W_ih (G*H, I): 4 for LSTM, 3 for both GRUs, 1 for the vanilla RNN. */
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
        throw new IllegalArgumentException("unknown cell type '" + id + "'; expected one of lstm, gru, gru_reset_before, rnn (= rnn_tanh), "
                + "rnn_tanh, rnn_relu");
    }

    /** Every id, comma-separated, for messages: "lstm, gru, gru_reset_before, rnn_tanh, rnn_relu". */
    public static String ids() {
        StringBuilder all = new StringBuilder();
        for (CellType type : values()) {
            all.append(all.isEmpty() ? "" : ", ").append(type.id);
        }
        return all.toString();
    }
}
