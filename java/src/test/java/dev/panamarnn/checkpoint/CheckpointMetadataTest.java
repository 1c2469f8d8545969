package dev.panamarnn.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.tensor.Tensor;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A checkpoint whose training counters are hostile (negative, not a number, past an int), whose
 * optimizer state or carried truncated-BPTT state is incomplete, or whose run settings (batch size,
 * seed, window, clipping, learning rate, optimizer hyperparameters) are not the resuming trainer's
 * is refused as a {@link ModelFileException}, and the run it
 * was restored into is left exactly as it was: counters and optimizer moments unchanged.
 */
class CheckpointMetadataTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({
            "train.window_in_batch, -1",
            "train.batch_in_epoch, -3",
            "train.epoch, 99999999999",
            "train.step, -5",
            "DROP, train.state.h",
            "DROP, train.state.c",
            "optimizer.step, -1",
            "optimizer.step, twelve",
            "DROP, optimizer.exp_avg.rnn.weight_hh_l0",
            "train.batch_size, 7",
            "train.seed, 12345",
            "train.bptt_window, 3",
            "train.clip_norm, 0.25",
            "optimizer.learning_rate, 0.5",
            "optimizer.eps, 1.0E-4",
    })
    void hostileCheckpointIsRefusedAndLeavesTheRunUnchanged(String key, String value) throws Exception {
        Path good = dir.resolve("good.safetensors");
        Path bad = dir.resolve("bad.safetensors");
        try (TrainingRun source = TrainingRun.fresh(KernelSelection.java())) {
            source.train(3);
            source.save(good);
        }
        rewrite(good, bad, key, value);

        try (TrainingRun target = TrainingRun.fresh(KernelSelection.java())) {
            target.train(2);
            long step = target.trainer.step();
            long optimizerSteps = target.trainer.optimizer().stepCount();
            float[] moments = firstState(target).toArray();

            ModelFileException e = assertThrows(ModelFileException.class,
                    () -> target.trainer.resume(bad));
            String expectedWord = key.equals("DROP") ? (value.startsWith("train.") ? value : "missing") : key;
            assertTrue(e.getMessage().contains(expectedWord), e.getMessage());

            assertEquals(step, target.trainer.step());
            assertEquals(optimizerSteps, target.trainer.optimizer().stepCount());
            assertArrayEquals(moments, firstState(target).toArray());
        }
    }

    private static Tensor firstState(TrainingRun run) {
        String slot = run.trainer.optimizer().stateNames().get(0);
        return run.trainer.optimizer().state(slot).tensors().values().iterator().next();
    }

    /** Copies {@code from} to {@code to} with one metadata value replaced, or one tensor dropped. */
    private static void rewrite(Path from, Path to, String key, String value) throws ModelFileException {
        try (SafeTensorsFile f = SafeTensors.read(from)) {
            Map<String, String> metadata = new HashMap<>(f.metadata());
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String name : f.names()) {
                if (!(key.equals("DROP") && name.equals(value))) {
                    tensors.put(name, f.tensor(name));
                }
            }
            if (!key.equals("DROP")) {
                metadata.put(key, value);
            }
            assertTrue(key.equals("DROP") ? tensors.size() == f.names().size() - 1
                    : f.metadata().containsKey(key) && !value.equals(f.metadata().get(key)), "the rewrite must change something");
            SafeTensors.write(to, tensors, metadata);
        }
    }
}
