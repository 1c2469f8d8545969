package dev.panamarnn.model;

import dev.panamarnn.TruncatedBptt;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.NonFiniteGuard;
import dev.panamarnn.train.Optimizer;
import dev.panamarnn.train.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Trains a {@link CharModel} on a corpus read as B long parallel streams with stateful truncated
 * BPTT: window after window of k1 characters, the state carried across windows, the loss the
 * mean next-character cross-entropy. Validation runs over the held-out tail the same way without
 * dropout and reports bits per character (loss / ln 2). All buffers are allocated once.
 */
public final class TextTrainer implements AutoCloseable {
    /** Batch B (parallel streams), window k1 (= k2), gradient clipping by global norm (0 = off). */
    public record Settings(int batch, int window, double clipNorm, int maxNonFiniteInARow) {
        public Settings {
            if (batch < 1 || window < 1) {
                throw new IllegalArgumentException("batch and window must be >= 1, got " + batch + " and " + window);
            }
            TrainingStep.requireClipNorm(clipNorm);
            if (maxNonFiniteInARow < 0) {
                throw new IllegalArgumentException("maxNonFiniteInARow must be >= 0, got " + maxNonFiniteInARow);
            }
        }
    }

    private final CharModel model;
    private final TextCorpus corpus;
    private final Settings settings;
    private final Optimizer optimizer;
    private final NonFiniteGuard guard;
    private final Kernels kernels;
    private final TruncatedBptt tbptt;
    private final Arena arena;
    private final int rows;                 // T*B
    private final int vocabularySize;
    private final int streamLength;         // L: training tokens per stream
    private final int[] inputs;             // (T*B) token ids, time-major
    private final MemorySegment targets;    // (T*B) int32 next token ids
    private final Tensor embedded;          // (T, B, E)
    private final MemorySegment logits;     // (T*B, V)
    private final MemorySegment dLogits;    // (T*B, V)
    private final Tensor dOutput;           // (T, B, H)
    private int position;                   // offset inside each stream of the next window
    private long step;
    private boolean closed;

    public TextTrainer(CharModel model, TextCorpus corpus, Settings settings, Optimizer optimizer) {
        if (model == null || corpus == null || settings == null) {
            throw new IllegalArgumentException("a text trainer needs a model, a corpus and settings; got model " + model
                    + ", corpus " + corpus + ", settings " + settings);
        }
        TrainingStep.requireOptimizerOf(optimizer, model.parameters(), model.gradients());
        if (!corpus.vocabulary().serialise().equals(model.vocabulary().serialise())) {
            throw new IllegalArgumentException("the corpus's vocabulary (" + corpus.vocabulary().size()
                    + " characters) is not the model's (" + model.vocabulary().size() + " characters): its token ids would "
                    + "mean other characters");
        }
        this.model = model;
        this.corpus = corpus;
        this.settings = settings;
        this.optimizer = optimizer;
        this.guard = new NonFiniteGuard(settings.maxNonFiniteInARow());
        this.kernels = model.kernels();
        int b = settings.batch(), t = settings.window();
        this.rows = t * b;
        this.vocabularySize = model.vocabulary().size();
        this.streamLength = corpus.trainingLength() / b;
        if (streamLength < t + 1) {
            throw new IllegalArgumentException("the training text (" + corpus.trainingLength() + " characters) is too short for "
                    + b + " streams of windows of " + t + " characters; use a smaller batch or window");
        }
        this.tbptt = new TruncatedBptt(model.rnn(), t, t, b);
        this.arena = Arena.ofShared();
        this.inputs = new int[rows];
        this.targets = arena.allocate((long) rows * Integer.BYTES, 64);
        this.embedded = Tensor.allocate(arena, t, b, model.config().embedding());
        this.logits = arena.allocate((long) rows * vocabularySize * Float.BYTES, 64);
        this.dLogits = arena.allocate((long) rows * vocabularySize * Float.BYTES, 64);
        this.dOutput = Tensor.allocate(arena, t, b, model.config().hidden());
    }

    public long step() {
        return step;
    }

    /** Restores the step counter and stream position of a checkpoint. */
    public void resumeAt(long step, int position) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        if (position < 0 || position > streamLength) {
            throw new IllegalArgumentException("position must be in [0, " + streamLength + "] (characters per stream), got " + position);
        }
        this.step = step;
        this.position = position;
    }

    /** Offset inside each stream where the next window starts (for checkpoints). */
    public int position() {
        return position;
    }

    /** The state carried between windows, by checkpoint name: "train.state.h" (L, B, H) and for LSTM "train.state.c". */
    public java.util.Map<String, Tensor> carriedState() {
        java.util.Map<String, Tensor> state = new java.util.LinkedHashMap<>();
        state.put("train.state.h", tbptt.hiddenState());
        if (tbptt.cellState() != null) {
            state.put("train.state.c", tbptt.cellState());
        }
        return state;
    }

    /** One window: forward, loss, backward, clipping, optimizer step. */
    public TrainingStep trainStep() {
        checkOpen();
        int t = settings.window(), b = settings.batch();
        if (position + t + 1 > streamLength) {     // end of the streams: start again from zero state
            position = 0;
            tbptt.resetState();
        }
        int[] tokens = corpus.tokens();
        for (int s = 0; s < t; s++) {
            for (int r = 0; r < b; r++) {
                int at = r * streamLength + position + s;
                inputs[s * b + r] = tokens[at];
                targets.setAtIndex(ValueLayout.JAVA_INT, s * b + r, tokens[at + 1]);
            }
        }
        position += t;
        model.gradients().zero();
        model.embedding().forward(embedded.segment(), inputs, 0, rows);
        Tensor hidden = tbptt.forward(embedded, true);                               // (T, B, H)
        model.head().forward(logits, hidden.segment(), rows);                        // (T*B, V)
        double loss = SoftmaxCrossEntropy.forwardBackward(kernels, dLogits, logits, targets, null, rows, vocabularySize);
        model.head().backward(dOutput.segment(), dLogits, hidden.segment(), rows);
        tbptt.backward(dOutput);
        model.embedding().backward(tbptt.workspace().inputGradient().segment(), inputs, 0, rows);
        step++;
        return TrainingStep.finish(kernels, model.gradients(), settings.clipNorm(), guard, optimizer, loss, step);
    }

    /**
     * Mean cross-entropy over up to {@code maxCharacters} of the validation tail, in bits per
     * character, read as B streams from zero state without dropout. Does not touch the training state.
     */
    public double validationBitsPerCharacter(int maxCharacters) {
        checkOpen();
        int t = settings.window(), b = settings.batch();
        int perStream = Math.min(corpus.validationLength(), maxCharacters) / b;
        if (perStream < t + 1) {
            throw new IllegalStateException("validation text too short: " + corpus.validationLength() + " characters for "
                    + b + " streams of " + (t + 1));
        }
        try (TruncatedBptt eval = new TruncatedBptt(model.rnn(), t, t, b)) {
            int[] tokens = corpus.tokens();
            double sum = 0;
            long count = 0;
            for (int p = 0; p + t + 1 <= perStream; p += t) {
                for (int s = 0; s < t; s++) {
                    for (int r = 0; r < b; r++) {
                        int at = corpus.validationStart() + r * perStream + p + s;
                        inputs[s * b + r] = tokens[at];
                        targets.setAtIndex(ValueLayout.JAVA_INT, s * b + r, tokens[at + 1]);
                    }
                }
                model.embedding().forward(embedded.segment(), inputs, 0, rows);
                Tensor hidden = eval.forward(embedded, false);
                model.head().forward(logits, hidden.segment(), rows);
                sum += SoftmaxCrossEntropy.forward(kernels, logits, targets, null, rows, vocabularySize) * rows;
                count += rows;
            }
            return sum / count / Math.log(2);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this TextTrainer is closed");
        }
    }

    @Override
    public void close() {
        closed = true;
        tbptt.close();
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
