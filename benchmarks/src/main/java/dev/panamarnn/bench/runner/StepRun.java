package dev.panamarnn.bench.runner;

import dev.panamarnn.Rnn;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * One shape on one set of kernels, ready to time: the model, its workspace, an input x (T, B, In)
 * and an output gradient dOut (T, B, D*H), allocated once so every round times only the step.
 */
final class StepRun implements AutoCloseable {
    private final Rnn rnn;
    private final Workspace workspace;
    private final Arena arena = Arena.ofConfined();
    private final Tensor x;
    private final Tensor dOut;

    StepRun(Shape s, Kernels kernels) {
        rnn = Rnn.create(s.config(), kernels);
        workspace = rnn.workspace(s.steps(), s.batch());
        x = Tensor.allocate(arena, s.steps(), s.batch(), s.input());
        dOut = Tensor.allocate(arena, s.steps(), s.batch(), s.directions() * s.hidden());
        SplittableRandom random = new SplittableRandom(1);
        for (long i = 0; i < x.size(); i++) {
            x.set(i, (float) (random.nextDouble() * 2 - 1));
        }
        for (long i = 0; i < dOut.size(); i++) {
            dOut.set(i, (float) (random.nextDouble() * 2 - 1) * 0.01f);
        }
    }

    /** A training step (forward + full BPTT) when {@code train}, else an inference pass ({@link Workspace#infer}). */
    void run(boolean train) {
        if (train) {
            workspace.forward(x, null, null, null, true);
            workspace.backward(dOut, null, null);
        } else {
            workspace.infer(x, null, null, null);
        }
    }

    Timer.Result time(boolean train, double warmupSeconds, double measureSeconds, int minRepeats, int maxRepeats) {
        return Timer.time(() -> run(train), warmupSeconds, measureSeconds, minRepeats, maxRepeats);
    }

    @Override
    public void close() {
        try (rnn; workspace; arena) {
            // closes the arena, then the workspace, then the model
        }
    }
}
