package dev.panamarnn.spark;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.SequenceModelFile;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link SparkTrainer}'s checkpoint, in the library's checkpoint format ({@code Trainer.checkpoint}):
 * the model file (it loads as a model), the optimizer state as "optimizer.<slot>.<parameter>", and the
 * position in the metadata ("train.step", "train.epoch", "train.batch_in_epoch", "optimizer.name",
 * "optimizer.step"; "spark.workers" and "spark.batch_size" so a resume with another split is
 * refused). Written atomically by {@link SafeTensors#write}: the previous checkpoint stays whole until
 * the new one replaces it. Made from public parts: the model's file written by
 * {@link SequenceModelFile#save} into a scratch file, read back, and written again with the state.
 */
final class SparkCheckpoint {
    /** The position a checkpoint holds. */
    record Position(long step, int epoch, int batchInEpoch) {}

    private SparkCheckpoint() {}

    static void save(Path file, SequenceModel model, Optimizer optimizer, Position p, int workers, int batchSize) throws ModelFileException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("train.step", Long.toString(p.step()));
        meta.put("train.epoch", Integer.toString(p.epoch()));
        meta.put("train.batch_in_epoch", Integer.toString(p.batchInEpoch()));
        meta.put("train.window_in_batch", "0");
        meta.put("train.epoch_loss_sum", "0.0");
        meta.put("train.epoch_loss_steps", "0");
        meta.put("train.best_objective", Double.toString(Double.POSITIVE_INFINITY));
        meta.put("train.epochs_without_improvement", "0");
        meta.put("optimizer.name", optimizer.name());
        meta.put("optimizer.step", Long.toString(optimizer.stepCount()));
        meta.put("spark.workers", Integer.toString(workers));
        meta.put("spark.batch_size", Integer.toString(batchSize));
        Path scratch = null;
        try {
            Path dir = file.toAbsolutePath().getParent();
            scratch = Files.createTempFile(dir, ".model-", ".tmp");
            SequenceModelFile.save(scratch, model, meta);
            try (SafeTensorsFile modelFile = SafeTensors.read(scratch)) {
                Map<String, Tensor> tensors = new LinkedHashMap<>();
                for (String name : modelFile.names()) {
                    tensors.put(name, modelFile.tensor(name));
                }
                tensors.putAll(optimizerState(optimizer));
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
    static Position restore(Path file, SequenceModel model, Optimizer optimizer, int workers, int batchSize) throws ModelFileException {
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
            Position p;
            long optimizerSteps;
            try {
                p = new Position(Long.parseLong(meta.get("train.step")), Integer.parseInt(meta.get("train.epoch")),
                        Integer.parseInt(meta.get("train.batch_in_epoch")));
                optimizerSteps = Long.parseLong(meta.get("optimizer.step"));
            } catch (NumberFormatException e) {
                throw new ModelFileException(file, "has no valid position (train.step, train.epoch, train.batch_in_epoch, optimizer.step)");
            }
            Map<String, Tensor> targets = new LinkedHashMap<>(model.parameters().tensors());
            targets.putAll(optimizerState(optimizer));
            f.copyAllInto(targets);
            optimizer.restoreStepCount(optimizerSteps);
            return p;
        }
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
