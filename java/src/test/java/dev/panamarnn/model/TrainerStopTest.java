package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that must end early (a shutdown hook calling {@link Trainer#stop}) returns after its
 * current step with the reason "stopped", and a checkpoint written then resumes to the run that
 * was never stopped; checkpoints can also be timed.
 */
class TrainerStopTest {
    private static final SequenceDataset STREAMS = SequenceDataset.languageModelStreams(LanguageModelStreamsTest.corpus(401, 6), 7, 4);

    private static Trainer.Builder builder(SequenceModel model) {
        return Trainer.builder(model).adam(1e-2).batchSize(4).truncatedBptt(10).seed(2);
    }

    @Test
    void aStoppedRunEndsAfterItsStepAndItsCheckpointResumesTheRun(@TempDir Path dir) throws Exception {
        float[] uninterrupted;
        try (SequenceModel model = LanguageModelStreamsTest.model(CellType.GRU); Trainer trainer = builder(model).build()) {
            trainer.fit(STREAMS, Budget.steps(12));
            uninterrupted = model.parameters().all().toArray(ValueLayout.JAVA_FLOAT);
        }
        Path checkpoint = dir.resolve("stopped.safetensors");
        try (SequenceModel model = LanguageModelStreamsTest.model(CellType.GRU)) {
            Trainer[] self = new Trainer[1];
            try (Trainer trainer = builder(model).listener(new TrainingListener() {
                @Override
                public void onStep(TrainingStep step, int epoch) {
                    if (step.step() == 7) {
                        Thread hook = new Thread(self[0]::stop);  // as a shutdown hook would, from another thread
                        hook.start();
                        try {
                            hook.join();
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }
                }
            }).build()) {
                self[0] = trainer;
                TrainingResult result = trainer.fit(STREAMS, Budget.steps(12));
                assertEquals("stopped", result.reason());
                assertEquals(7, result.steps(), "the step that was running finished, no other began");
                trainer.checkpoint(checkpoint);
            }
        }
        try (SequenceModel model = SequenceModelFile.load(checkpoint, model().kernels()); Trainer trainer = builder(model).build()) {
            trainer.resume(checkpoint);
            assertEquals("budget", trainer.fit(STREAMS, Budget.steps(5)).reason(), "a stop request does not outlive its run");
            assertArrayEquals(uninterrupted, model.parameters().all().toArray(ValueLayout.JAVA_FLOAT));
        }
    }

    private static SequenceModel model() {
        return LanguageModelStreamsTest.model(CellType.GRU);
    }

    @Test
    void timedCheckpoints(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("timed.safetensors");
        List<Long> written = new ArrayList<>();
        try (SequenceModel model = model(); Trainer trainer = builder(model).checkpoints(file, Duration.ofNanos(1)).listener(new TrainingListener() {
            @Override
            public void onCheckpoint(long step, Path at) {
                written.add(step);
            }
        }).build()) {
            trainer.fit(STREAMS, Budget.steps(4));
        }
        assertEquals(List.of(1L, 2L, 3L, 4L), written, "an interval shorter than a step: a checkpoint after every step");
        assertTrue(Files.size(file) > 0);
        try (SequenceModel model = model()) {
            var none = new ArrayList<Long>();
            try (Trainer trainer = builder(model).checkpoints(file, Duration.ofHours(1)).listener(new TrainingListener() {
                @Override
                public void onCheckpoint(long step, Path at) {
                    none.add(step);
                }
            }).build()) {
                trainer.fit(STREAMS, Budget.steps(3));
            }
            assertEquals(List.of(), none, "an hour did not pass");
            assertThrows(IllegalArgumentException.class, () -> builder(model).checkpoints(file, Duration.ZERO));
        }
    }
}
