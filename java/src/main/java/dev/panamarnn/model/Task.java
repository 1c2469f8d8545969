package dev.panamarnn.model;

/** What a {@link SequenceModel} predicts, and so its loss and its validation metrics. */
public enum Task {
    /** One of C classes: softmax cross-entropy; metrics loss and accuracy. */
    CLASSIFICATION("classification"),
    /** K real values: mean squared error; metrics loss (MSE), MAE and RMSE. */
    REGRESSION("regression"),
    /** The next token at every step: softmax cross-entropy over the vocabulary; metrics loss and bits per token. */
    LANGUAGE_MODEL("language_model"),
    /**
     * An unaligned label sequence per input sequence (speech to characters, say): per-step logits
     * over C classes, class 0 the blank, trained with the CTC loss; metrics loss and label error
     * rate of greedy decoding.
     */
    CTC("ctc");

    private final String id;

    Task(String id) {
        this.id = id;
    }

    /** The name in model files and on the command line. */
    public String id() {
        return id;
    }

    /** True when the targets are class ids (classification, language model). */
    public boolean hasClasses() {
        return this != REGRESSION;
    }

    public static Task fromId(String id) {
        for (Task t : values()) {
            if (t.id.equalsIgnoreCase(id) || t.name().equalsIgnoreCase(id)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + id + "'; expected classification, regression, language_model or ctc");
    }
}
