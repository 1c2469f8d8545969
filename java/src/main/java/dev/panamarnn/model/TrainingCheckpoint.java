package dev.panamarnn.model;

import dev.panamarnn.internal.io.Metadata;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.Optimizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Trainer}'s checkpoint: a sequence-model file (it loads as a model too) plus the
 * optimizer state under "optimizer.<slot>.<parameter>", the trainer's position in the metadata
 * ("train.*", "optimizer.*") and, between two truncated-BPTT windows of a batch, the state carried
 * from one to the next ("train.state.h", "train.state.c", each (L*D, B, H)). Written atomically;
 * restored all or nothing.
 */
final class TrainingCheckpoint {
    static final String OPTIMIZER = "optimizer.";
    static final String TRAIN = "train.";
    static final String CARRIED_H = "train.state.h";
    static final String CARRIED_C = "train.state.c";

    /** The carried state read from a checkpoint: h (L*D*B*H) and c (LSTM) or null; null itself at a batch boundary. */
    record Carried(float[] h, float[] c) {
        /** B, the batch the state was carried for. */
        int batch(dev.panamarnn.RnnConfig rc) {
            return h.length / (rc.numLayers() * rc.directions() * rc.hiddenSize());
        }
    }

    private TrainingCheckpoint() {}

    /**
     * @param windows the truncated-BPTT state between two windows of a batch, or null at a batch boundary
     * @param extra   the application's metadata (Trainer.Builder.metadata), written first
     */
    static void save(Path file, SequenceModel model, Optimizer optimizer, TrainingPosition p, BpttWindows windows,
                     Trainer.Settings settings, Map<String, String> extra) throws ModelFileException {
        Map<String, String> meta = new LinkedHashMap<>(extra);
        meta.putAll(runSettings(settings, optimizer, optimizer.stepCount()));
        meta.put("train.step", Long.toString(p.step));
        meta.put("train.epoch", Integer.toString(p.epoch));
        meta.put("train.batch_in_epoch", Integer.toString(p.batchInEpoch));
        meta.put("train.window_in_batch", Integer.toString(p.windowInBatch));
        meta.put("train.epoch_loss_sum", Double.toString(p.epochLossSum));
        meta.put("train.epoch_loss_steps", Long.toString(p.epochLossSteps));
        meta.put("train.best_objective", Double.toString(p.bestObjective));
        meta.put("train.epochs_without_improvement", Integer.toString(p.epochsWithoutImprovement));
        meta.put("optimizer.name", optimizer.name());
        meta.put("optimizer.step", Long.toString(optimizer.stepCount()));
        Map<String, Tensor> state = optimizerState(optimizer);
        if (windows != null) {
            state.putAll(windows.carriedState());
        }
        SequenceModelFile.save(file, model, meta, state);
    }

    /**
     * What an exact resume needs unchanged, as metadata: the settings that decide the batches (size,
     * seed, grouping, truncated-BPTT window) and the updates (clipping, the optimizer's
     * hyperparameters, the learning rate its schedule gives the next step).
     */
    private static Map<String, String> runSettings(Trainer.Settings settings, Optimizer optimizer, long nextStep) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("train.batch_size", Integer.toString(settings.batchSize()));
        m.put("train.seed", Long.toString(settings.seed()));
        m.put("train.group_by_length", Boolean.toString(settings.groupByLength()));
        m.put("train.bptt_window", Integer.toString(settings.bpttWindow()));
        m.put("train.clip_norm", Double.toString(settings.clipNorm()));
        m.put("optimizer.learning_rate", Double.toString(optimizer.schedule().lr(nextStep)));
        for (Map.Entry<String, Object> h : optimizer.hyperparameters().entrySet()) {
            m.put("optimizer." + h.getKey(), String.valueOf(h.getValue()));
        }
        return m;
    }

    /**
     * A checkpoint resumes only into a trainer with its run settings ({@link #runSettings}); a key the
     * file lacks (a checkpoint written before they were recorded) is not compared.
     */
    private static void requireSameRun(SafeTensorsFile f, Trainer.Settings settings, Optimizer optimizer, long nextStep)
            throws ModelFileException {
        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, String> e : runSettings(settings, optimizer, nextStep).entrySet()) {
            String saved = f.metadata().get(e.getKey());
            if (saved != null && !saved.equals(e.getValue())) {
                differences.add(e.getKey() + " " + saved + " (this trainer: " + e.getValue() + ")");
            }
        }
        if (!differences.isEmpty()) {
            throw new ModelFileException(f.path(), "was trained with other settings: " + String.join(", ", differences)
                    + "; a resume continues that run exactly, so resume with its settings (or start a new run from its weights)");
        }
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

    /** Restores parameters, optimizer state and position; returns the carried state to continue a batch with, or null. */
    static Carried restore(Path file, SequenceModel model, Optimizer optimizer, TrainingPosition p, Trainer.Settings settings)
            throws ModelFileException {
        boolean windowed = settings.bpttWindow() > 0;
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
            restored.step = integer(f, "train.step", Long.MAX_VALUE);
            restored.epoch = (int) integer(f, "train.epoch", Integer.MAX_VALUE);
            restored.batchInEpoch = (int) integer(f, "train.batch_in_epoch", Integer.MAX_VALUE);
            restored.windowInBatch = f.metadata().containsKey("train.window_in_batch")       // absent: a batch boundary
                    ? (int) integer(f, "train.window_in_batch", Integer.MAX_VALUE) : 0;
            restored.epochLossSteps = integer(f, "train.epoch_loss_steps", Long.MAX_VALUE);
            restored.epochsWithoutImprovement = (int) integer(f, "train.epochs_without_improvement", Integer.MAX_VALUE);
            try {
                restored.epochLossSum = Double.parseDouble(meta(f, "train.epoch_loss_sum"));
                restored.bestObjective = Double.parseDouble(meta(f, "train.best_objective"));
            } catch (NumberFormatException e) {
                throw new ModelFileException(file, "metadata 'train.epoch_loss_sum' or 'train.best_objective' is not a number");
            }
            long optimizerSteps = integer(f, "optimizer.step", restored.step);
            requireSameRun(f, settings, optimizer, optimizerSteps);
            if (restored.windowInBatch > 0 && !windowed) {
                throw new ModelFileException(file, "was written between two truncated-BPTT windows (metadata 'train.window_in_batch' is "
                        + restored.windowInBatch + "); resume it with a trainer built with truncatedBptt(window)");
            }
            Carried carried = restored.windowInBatch == 0 ? null : carried(f, model);
            Map<String, Tensor> targets = new LinkedHashMap<>(model.parameters().tensors());
            targets.putAll(optimizerState(optimizer));
            f.copyAllInto(targets);                       // checks every name and shape before copying any
            optimizer.restoreStepCount(optimizerSteps);
            restored.lastCheckpoint = restored.step;
            p.set(restored);
            return carried;
        }
    }

    /** train.state.h (and .c for LSTM): (L*D, B, H) for some batch B, finite. */
    private static Carried carried(SafeTensorsFile f, SequenceModel model) throws ModelFileException {
        var rc = model.rnn().config();
        float[] h = state(f, CARRIED_H, rc.numLayers() * rc.directions(), rc.hiddenSize());
        float[] c = rc.cell().hasCellState() ? state(f, CARRIED_C, rc.numLayers() * rc.directions(), rc.hiddenSize()) : null;
        if (c != null && c.length != h.length) {
            throw new ModelFileException(f.path(), "tensors '" + CARRIED_H + "' and '" + CARRIED_C + "' differ in shape");
        }
        return new Carried(h, c);
    }

    private static float[] state(SafeTensorsFile f, String name, int states, int hidden) throws ModelFileException {
        if (!f.contains(name)) {
            throw new ModelFileException(f.path(), "was written between two truncated-BPTT windows but has no tensor '" + name + "'");
        }
        int[] shape = f.shape(name);
        if (shape.length != 3 || shape[0] != states || shape[2] != hidden || shape[1] < 1) {
            throw new ModelFileException(f.path(), "tensor '" + name + "' is " + java.util.Arrays.toString(shape) + ", expected ["
                    + states + ", B, " + hidden + "]");
        }
        float[] values = f.tensor(name).toArray();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new ModelFileException(f.path(), "tensor '" + name + "' element " + i + " is " + values[i] + "; values must be finite");
            }
        }
        return values;
    }

    /** Metadata {@code key} as an integer in [0, max], or a ModelFileException naming the key and its value. */
    private static long integer(SafeTensorsFile f, String key, long max) throws ModelFileException {
        meta(f, key);                                  // a missing key: not a training checkpoint
        return Metadata.nonNegative(f, key, max);
    }

    private static String meta(SafeTensorsFile f, String key) throws ModelFileException {
        String v = f.metadata().get(key);
        if (v == null) {
            throw new ModelFileException(f.path(), "is not a training checkpoint: metadata '" + key + "' is missing");
        }
        return v;
    }
}
