package dev.panamarnn.model;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.Optimizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link Trainer}'s checkpoint: a sequence-model file (it loads as a model too) plus the
 * optimizer state under "optimizer.<slot>.<parameter>" and the trainer's position in the metadata
 * ("train.*", "optimizer.*"). Written atomically; restored all or nothing.
 */
final class TrainingCheckpoint {
    static final String OPTIMIZER = "optimizer.";

    private TrainingCheckpoint() {}

    static void save(Path file, SequenceModel model, Optimizer optimizer, TrainingPosition p) throws ModelFileException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("train.step", Long.toString(p.step));
        meta.put("train.epoch", Integer.toString(p.epoch));
        meta.put("train.batch_in_epoch", Integer.toString(p.batchInEpoch));
        meta.put("train.epoch_loss_sum", Double.toString(p.epochLossSum));
        meta.put("train.epoch_loss_steps", Long.toString(p.epochLossSteps));
        meta.put("train.best_objective", Double.toString(p.bestObjective));
        meta.put("train.epochs_without_improvement", Integer.toString(p.epochsWithoutImprovement));
        meta.put("optimizer.name", optimizer.name());
        meta.put("optimizer.step", Long.toString(optimizer.stepCount()));
        SequenceModelFile.save(file, model, meta, optimizerState(optimizer));
    }

    private static Map<String, Tensor> optimizerState(Optimizer optimizer) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String slot : optimizer.stateNames()) {
            for (Map.Entry<String, Tensor> t : optimizer.state(slot).tensors().entrySet()) {
                state.put(OPTIMIZER + slot + "." + t.getKey(), t.getValue());
            }
        }
        return state;
    }

    static void restore(Path file, SequenceModel model, Optimizer optimizer, TrainingPosition p) throws ModelFileException {
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            SequenceModelFile.Declared declared = SequenceModelFile.declared(f);
            ModelSpec saved = declared.spec(), ours = model.spec().withNormalisation(null, null).withTargetNormalisation(null, null);
            if (!saved.equals(ours) || declared.normalised() != model.spec().normalised()
                    || declared.targetsNormalised() != model.spec().targetsNormalised()) {
                throw new ModelFileException(file, "is a checkpoint of another model (" + saved + "), not of " + model.spec());
            }
            String name = f.metadata().get("optimizer.name");
            if (!optimizer.name().equals(name)) {
                throw new ModelFileException(file, "holds the state of optimizer '" + name + "', not " + optimizer.name());
            }
            TrainingPosition restored = new TrainingPosition();
            try {
                restored.step = Long.parseLong(meta(f, "train.step"));
                restored.epoch = Integer.parseInt(meta(f, "train.epoch"));
                restored.batchInEpoch = Integer.parseInt(meta(f, "train.batch_in_epoch"));
                restored.epochLossSum = Double.parseDouble(meta(f, "train.epoch_loss_sum"));
                restored.epochLossSteps = Long.parseLong(meta(f, "train.epoch_loss_steps"));
                restored.bestObjective = Double.parseDouble(meta(f, "train.best_objective"));
                restored.epochsWithoutImprovement = Integer.parseInt(meta(f, "train.epochs_without_improvement"));
            } catch (NumberFormatException e) {
                throw new ModelFileException(file, "training position metadata is not a number: " + e.getMessage());
            }
            long optimizerSteps;
            try {
                optimizerSteps = Long.parseLong(meta(f, "optimizer.step"));
            } catch (NumberFormatException e) {
                throw new ModelFileException(file, "metadata 'optimizer.step' is not an integer");
            }
            if (restored.step < 0 || restored.epoch < 0 || restored.batchInEpoch < 0 || optimizerSteps < 0 || optimizerSteps > restored.step) {
                throw new ModelFileException(file, "training position is inconsistent: step " + restored.step + ", epoch " + restored.epoch
                        + ", batch " + restored.batchInEpoch + ", optimizer steps " + optimizerSteps);
            }
            Map<String, Tensor> targets = new LinkedHashMap<>(model.parameters().tensors());
            targets.putAll(optimizerState(optimizer));
            f.copyAllInto(targets);                       // checks every name and shape before copying any
            optimizer.restoreStepCount(optimizerSteps);
            p.step = restored.step;
            p.epoch = restored.epoch;
            p.batchInEpoch = restored.batchInEpoch;
            p.epochLossSum = restored.epochLossSum;
            p.epochLossSteps = restored.epochLossSteps;
            p.bestObjective = restored.bestObjective;
            p.epochsWithoutImprovement = restored.epochsWithoutImprovement;
            p.lastCheckpoint = restored.step;
        }
    }

    private static String meta(SafeTensorsFile f, String key) throws ModelFileException {
        String v = f.metadata().get(key);
        if (v == null) {
            throw new ModelFileException(f.path(), "is not a training checkpoint: metadata '" + key + "' is missing");
        }
        return v;
    }
}
