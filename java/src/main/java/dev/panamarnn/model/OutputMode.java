package dev.panamarnn.model;

/** Where the head of a {@link SequenceModel} reads the recurrent stack. */
public enum OutputMode {
    /**
     * At every step: the top layer's output (T, B, D*H) -> head -> (T, B, outputs). Language
     * models, sequence tagging, per-step forecasting. Padded steps get no loss.
     */
    PER_STEP("per_step"),
    /**
     * Once per sequence, from each row's final state at its own length: h_n of the top layer
     * (B, H), or for a bidirectional stack both directions' final states concatenated (B, 2H) as
     * PyTorch's {@code torch.cat([h_n[-2], h_n[-1]], 1)}. Classification and regression of whole sequences.
     */
    SEQUENCE("sequence");

    private final String id;

    OutputMode(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static OutputMode fromId(String id) {
        for (OutputMode m : values()) {
            if (m.id.equalsIgnoreCase(id) || m.name().equalsIgnoreCase(id)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown output mode '" + id + "'; expected per_step or sequence");
    }
}
