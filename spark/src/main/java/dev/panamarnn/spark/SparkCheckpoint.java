package dev.panamarnn.spark;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.SequenceModelFile;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.Optimizer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link SparkTrainer}'s checkpoint, in the library's checkpoint format ({@code Trainer.checkpoint}):
 * the model file (it loads as a model), the optimizer state as "optimizer.<slot>.<parameter>", and the
 * position in the metadata ("train.step", "train.epoch", "train.batch_in_epoch", "optimizer.name",
 * "optimizer.step"; "spark.workers" and "spark.batch_size" so a resume with another split is
 * refused). Between two truncated-BPTT windows of a batch it also holds "train.window_in_batch",
 * "spark.windows_in_batch" and each shard's carried state as "spark.carried.<shard>" (the floats of
 * {@code BpttWindows.carried()}); "spark.bptt_window" refuses a resume with another window. Written atomically by {@link SafeTensors#write}: the previous checkpoint stays whole until
 * the new one replaces it. Made from public parts: the model's file written by
 * {@link SequenceModelFile#save} into a scratch file, read back, and written again with the state.
 */
final class SparkCheckpoint {
    /**
     * The position a checkpoint holds: the next batch, and with truncated BPTT the next window of it,
     * the batch's window count and (N) each shard's carried state (null entries: none; all 0 and null
     * at the start of a batch).
     */
    record Position(long step, int epoch, int batchInEpoch, int windowInBatch, int windowsInBatch, float[][] carried) {
        /** At the start of batch {@code batchInEpoch}. */
        Position(long step, int epoch, int batchInEpoch) {
            this(step, epoch, batchInEpoch, 0, 0, null);
        }
    }

    static final String CARRIED = "spark.carried.";

    private SparkCheckpoint() {}

    static void save(Path file, SequenceModel model, Optimizer optimizer, Position p, int workers, int batchSize, int bpttWindow)
            throws ModelFileException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("train.step", Long.toString(p.step()));
        meta.put("train.epoch", Integer.toString(p.epoch()));
        meta.put("train.batch_in_epoch", Integer.toString(p.batchInEpoch()));
        meta.put("train.window_in_batch", Integer.toString(p.windowInBatch()));
        meta.put("train.epoch_loss_sum", "0.0");
        meta.put("train.epoch_loss_steps", "0");
        meta.put("train.best_objective", Double.toString(Double.POSITIVE_INFINITY));
        meta.put("train.epochs_without_improvement", "0");
        meta.put("optimizer.name", optimizer.name());
        meta.put("optimizer.step", Long.toString(optimizer.stepCount()));
        meta.put("spark.workers", Integer.toString(workers));
        meta.put("spark.batch_size", Integer.toString(batchSize));
        meta.put("spark.bptt_window", Integer.toString(bpttWindow));
        meta.put("spark.windows_in_batch", Integer.toString(p.windowsInBatch()));
        Path scratch = null;
        try (Arena arena = Arena.ofConfined()) {
            Path dir = file.toAbsolutePath().getParent();
            scratch = Files.createTempFile(dir, ".model-", ".tmp");
            SequenceModelFile.save(scratch, model, meta);
            try (SafeTensorsFile modelFile = SafeTensors.read(scratch)) {
                Map<String, Tensor> tensors = new LinkedHashMap<>();
                for (String name : modelFile.names()) {
                    tensors.put(name, modelFile.tensor(name));
                }
                tensors.putAll(optimizerState(optimizer));
                for (int shard = 0; p.carried() != null && shard < p.carried().length; shard++) {
                    float[] state = p.carried()[shard];
                    if (state != null) {
                        Tensor t = Tensor.allocate(arena, state.length);
                        t.copyFrom(state);
                        tensors.put(CARRIED + shard, t);
                    }
                }
                SafeTensors.write(file, tensors, modelFile.metadata());
            }
        } catch (IOException e) {
            throw e instanceof ModelFileException m ? m : new ModelFileException(file, "cannot be written: " + e.getMessage());
        } finally {
            if (scratch != null) {
                try {
                    Files.deleteIfExists(scratch);
                } catch (IOException ignored) {
                    // a scratch file
                }
            }
        }
    }

    /**
     * Restores parameters and optimizer state (all or nothing) and returns the position.
     * @throws ModelFileException if the file is not a checkpoint of this model, optimizer, worker count and batch size
     */
    static Position restore(Path file, SequenceModel model, Optimizer optimizer, int workers, int batchSize, int bpttWindow)
            throws ModelFileException {
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            Map<String, String> meta = f.metadata();
            Map<String, String> ours = SequenceModelFile.metadata(model.spec(), Map.of());
            for (Map.Entry<String, String> e : ours.entrySet()) {
                if (!e.getKey().equals("model.seed") && !e.getValue().equals(meta.get(e.getKey()))) {
                    throw new ModelFileException(file, "is a checkpoint of another model: '" + e.getKey() + "' is " + meta.get(e.getKey())
                            + ", this model's " + e.getValue());
                }
            }
            expect(file, meta, "optimizer.name", optimizer.name());
            expect(file, meta, "spark.workers", Integer.toString(workers));
            expect(file, meta, "spark.batch_size", Integer.toString(batchSize));
            if (!Integer.toString(bpttWindow).equals(meta.getOrDefault("spark.bptt_window", "0"))) {
                throw new ModelFileException(file, "has 'spark.bptt_window' " + meta.getOrDefault("spark.bptt_window", "0")
                        + "; this run's is " + bpttWindow);
            }
            Position p;
            long optimizerSteps;
            try {
                int window = Integer.parseInt(meta.getOrDefault("train.window_in_batch", "0"));
                int windows = Integer.parseInt(meta.getOrDefault("spark.windows_in_batch", "0"));
                if (window < 0 || (window > 0 && (bpttWindow == 0 || windows <= window))) {
                    throw new NumberFormatException("window " + window + " of " + windows);
                }
                p = new Position(Long.parseLong(meta.get("train.step")), Integer.parseInt(meta.get("train.epoch")),
                        Integer.parseInt(meta.get("train.batch_in_epoch")), window, windows, window > 0 ? carried(f, model, workers) : null);
                optimizerSteps = Long.parseLong(meta.get("optimizer.step"));
            } catch (NumberFormatException e) {
                throw new ModelFileException(file, "has no valid position (train.step, train.epoch, train.batch_in_epoch, "
                        + "train.window_in_batch of spark.windows_in_batch, optimizer.step)");
            }
            Map<String, Tensor> targets = new LinkedHashMap<>(model.parameters().tensors());
            targets.putAll(optimizerState(optimizer));
            f.copyAllInto(targets);
            optimizer.restoreStepCount(optimizerSteps);
            return p;
        }
    }

    /** (N) each shard's carried state, or null where it has none; each (1 or 2) * L * b_i * H finite floats. */
    private static float[][] carried(SafeTensorsFile f, SequenceModel model, int workers) throws ModelFileException {
        var rc = model.rnn().config();
        long unit = (long) rc.numLayers() * rc.directions() * rc.hiddenSize() * (rc.cell().hasCellState() ? 2 : 1);
        float[][] carried = new float[workers][];
        for (int shard = 0; shard < workers; shard++) {
            if (!f.contains(CARRIED + shard)) {
                continue;
            }
            int[] shape = f.shape(CARRIED + shard);
            if (shape.length != 1 || shape[0] == 0 || shape[0] % unit != 0) {
                throw new ModelFileException(f.path(), "tensor '" + CARRIED + shard + "' is " + java.util.Arrays.toString(shape)
                        + ", expected [b * " + unit + "] (h and c of (L, b, H))");
            }
            carried[shard] = f.tensor(CARRIED + shard).toArray();
            for (float v : carried[shard]) {
                if (!Float.isFinite(v)) {
                    throw new ModelFileException(f.path(), "tensor '" + CARRIED + shard + "' holds " + v + "; values must be finite");
                }
            }
        }
        return carried;
    }

    private static void expect(Path file, Map<String, String> meta, String key, String value) throws ModelFileException {
        if (!value.equals(meta.get(key))) {
            throw new ModelFileException(file, "has '" + key + "' " + meta.get(key) + "; this run's is " + value);
        }
    }

    private static Map<String, Tensor> optimizerState(Optimizer optimizer) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String slot : optimizer.stateNames()) {
            for (Map.Entry<String, Tensor> t : optimizer.state(slot).tensors().entrySet()) {
                state.put("optimizer." + slot + "." + t.getKey(), t.getValue());
            }
        }
        return state;
    }
}
