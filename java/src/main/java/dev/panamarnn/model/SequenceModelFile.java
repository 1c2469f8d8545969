package dev.panamarnn.model;

import dev.panamarnn.internal.io.Metadata;
import dev.panamarnn.internal.io.TensorSet;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model file of a {@link SequenceModel}: safetensors with the parameters under the PyTorch
 * module's state_dict names, the normalisation buffers {@code normalise.mean} / {@code normalise.std}
 * when the model has them (metadata {@code model.normalise}), the target normalisation
 * {@code normalise.target_mean} / {@code normalise.target_std} (K) when a regressor has it (metadata
 * {@code model.normalise_targets}; absent means false), the stack's architecture under "rnn." ({@link ModelFile#metadata}) and
 * the rest of the {@link ModelSpec} under "model.". A file that {@code scripts/export_pytorch_model.py}
 * writes from a PyTorch module loads here and gives PyTorch's outputs.
 *
 * <p>Every file is treated as hostile: the metadata must describe a valid model, every tensor must
 * be present with exactly the shape the metadata implies and finite values, and nothing is
 * allocated for the model before all of that is checked (so a file cannot make it allocate more
 * than the file holds). Problems are a {@link ModelFileException} naming the file and the problem.
 */
public final class SequenceModelFile {
    /** The metadata key naming what a model file holds. */
    public static final String KIND_KEY = "panama_rnn.kind";
    public static final String KIND = "sequence-model";
    static final String MEAN = "normalise.mean";
    static final String STD = "normalise.std";
    static final String TARGET_MEAN = "normalise.target_mean";
    static final String TARGET_STD = "normalise.target_std";

    private SequenceModelFile() {}

    /** Writes the model's parameters, normalisation and architecture, atomically; {@code extra} metadata is added. */
    public static void save(Path file, SequenceModel model, Map<String, String> extra) throws ModelFileException {
        save(file, model, extra, Map.of());
    }

    /** The same with more tensors after the model's (a training checkpoint's optimizer state, "optimizer.*"). */
    static void save(Path file, SequenceModel model, Map<String, String> extra, Map<String, Tensor> extraTensors)
            throws ModelFileException {
        ModelSpec spec = model.spec();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            if (spec.normalised()) {
                tensors.put(MEAN, Tensor.allocate(arena, spec.features()).copyFrom(spec.mean()));
                tensors.put(STD, Tensor.allocate(arena, spec.features()).copyFrom(spec.std()));
            }
            if (spec.targetsNormalised()) {
                tensors.put(TARGET_MEAN, Tensor.allocate(arena, spec.outputs()).copyFrom(spec.targetMean()));
                tensors.put(TARGET_STD, Tensor.allocate(arena, spec.outputs()).copyFrom(spec.targetStd()));
            }
            tensors.putAll(model.parameters().tensors());
            tensors.putAll(extraTensors);
            SafeTensors.write(file, tensors, metadata(spec, extra));
        }
    }

    /**
     * The metadata that describes {@code spec}, followed by {@code extra}: what a model file's header
     * carries, and what an ONNX export carries as its metadata_props.
     */
    public static Map<String, String> metadata(ModelSpec spec, Map<String, String> extra) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(KIND_KEY, KIND);
        m.put("model.task", spec.task().id());
        m.put("model.output_mode", spec.outputMode().id());
        m.put("model.outputs", Integer.toString(spec.outputs()));
        m.put("model.input", spec.tokens() ? "tokens" : "features");
        if (spec.tokens()) {
            m.put("model.vocabulary", Integer.toString(spec.vocabulary()));
            m.put("model.embedding_dim", Integer.toString(spec.embeddingDim()));
        } else {
            m.put("model.features", Integer.toString(spec.features()));
        }
        m.put("model.normalise", Boolean.toString(spec.normalised()));
        m.put("model.normalise_targets", Boolean.toString(spec.targetsNormalised()));
        m.put("model.head_hidden", Integer.toString(spec.headHidden()));
        m.put("model.seed", Long.toString(spec.seed()));
        if (!spec.classNames().isEmpty()) {
            m.put("model.class_names", joinNames(spec.classNames()));
        }
        for (Map.Entry<String, String> e : extra.entrySet()) {
            if (m.containsKey(e.getKey())) {
                throw new IllegalArgumentException("extra metadata key '" + e.getKey() + "' is reserved for the model");
            }
            m.put(e.getKey(), e.getValue());
        }
        return ModelFile.metadata(spec.rnn(), SequenceModel.RNN, m);
    }

    /** Reads a model on the JVM's selected kernels: a safetensors model file, or an {@code .onnx} file when panama-rnn-onnx is on the class path. */
    public static SequenceModel load(Path file) throws ModelFileException {
        return load(file, KernelSelection.selected());
    }

    public static SequenceModel load(Path file, Kernels kernels) throws ModelFileException {
        try (SafeTensorsFile f = ModelFile.read(file)) {   // safetensors, or .onnx through panama-rnn-onnx
            return load(f, kernels);
        }
    }

    /** Builds the model the file describes and copies its parameters in; all checks come first. */
    public static SequenceModel load(SafeTensorsFile f, Kernels kernels) throws ModelFileException {
        Declared declared = declared(f);
        check(f, declared);
        ModelSpec spec = declared.spec();
        if (declared.normalised()) {
            requireUsable(f, MEAN, STD);
        }
        try {
            spec = declared.normalised() ? spec.withNormalisation(values(f, MEAN), values(f, STD)) : spec;
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(f.path(), "normalisation is invalid: " + e.getMessage());
        }
        if (declared.targetsNormalised()) {
            requireUsable(f, TARGET_MEAN, TARGET_STD);
            try {
                spec = spec.withTargetNormalisation(values(f, TARGET_MEAN), values(f, TARGET_STD));
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(f.path(), "target normalisation is invalid: " + e.getMessage());
            }
        }
        SequenceModel model = new SequenceModel(spec, kernels);
        try {
            f.copyAllInto(model.parameters().tensors());     // the model's names only: other tensors stay in the file
            return model;
        } catch (ModelFileException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * What the metadata describes: the spec (without its normalisation values when the file holds
     * them as tensors: {@code normalised}, {@code targetsNormalised}), and whether tensors beyond the
     * model's may be present and are ignored (the training state in files of the earlier
     * special-purpose models).
     */
    record Declared(ModelSpec spec, boolean normalised, boolean targetsNormalised, boolean ignoresOtherTensors) {}

    /** Names joined by newlines, with backslash and newline escaped ("\\", "\\n"), so any name survives. */
    static String joinNames(List<String> names) {
        List<String> escaped = new ArrayList<>();
        for (String n : names) {
            escaped.add(n.replace("\\", "\\\\").replace("\n", "\\n"));
        }
        return String.join("\n", escaped);
    }

    static List<String> splitNames(Path path, String joined) throws ModelFileException {
        List<String> names = new ArrayList<>();
        for (String part : joined.split("\n", -1)) {
            StringBuilder name = new StringBuilder();
            for (int i = 0; i < part.length(); i++) {
                char c = part.charAt(i);
                if (c == '\\') {
                    char next = i + 1 < part.length() ? part.charAt(++i) : '?';
                    if (next != '\\' && next != 'n') {
                        throw new ModelFileException(path, "metadata 'model.class_names' has a bad escape '\\" + next + "'");
                    }
                    name.append(next == 'n' ? '\n' : '\\');
                } else {
                    name.append(c);
                }
            }
            names.add(name.toString());
        }
        return names;
    }

    static Declared declared(SafeTensorsFile f) throws ModelFileException {
        Path path = f.path();
        String kind = f.metadata().get(KIND_KEY);
        if (EarlierModelFiles.reads(kind)) {
            return EarlierModelFiles.declared(f, kind);
        }
        if (!KIND.equals(kind)) {
            throw new ModelFileException(path, "is not a sequence model (metadata " + KIND_KEY + " is "
                    + (kind == null ? "missing" : "'" + kind + "'") + ", expected '" + KIND + "')");
        }
        RnnConfig rnn = ModelFile.config(f, SequenceModel.RNN);
        try {
            Task task = Task.fromId(Metadata.required(f, "model.task"));
            OutputMode mode = OutputMode.fromId(Metadata.required(f, "model.output_mode"));
            int outputs = Metadata.positive(f, "model.outputs");
            String input = Metadata.required(f, "model.input");
            boolean tokens = switch (input) {
                case "tokens" -> true;
                case "features" -> false;
                default -> throw new ModelFileException(path, "metadata 'model.input' is '" + input + "'; expected features or tokens");
            };
            int features = tokens ? 0 : Metadata.positive(f, "model.features");
            int vocabulary = tokens ? Metadata.positive(f, "model.vocabulary") : 0;
            int embeddingDim = tokens ? Metadata.positive(f, "model.embedding_dim") : 0;
            int expectedInput = tokens ? embeddingDim : features;
            if (rnn.inputSize() != expectedInput) {
                throw new ModelFileException(path, "rnn.input_size " + rnn.inputSize() + " differs from the input stage's width "
                        + expectedInput + (tokens ? " (model.embedding_dim)" : " (model.features)"));
            }
            boolean normalised = Metadata.bool(f, "model.normalise");
            boolean targetsNormalised = Metadata.bool(f, "model.normalise_targets", false);
            if (targetsNormalised && task != Task.REGRESSION) {
                throw new ModelFileException(path, "metadata 'model.normalise_targets' is true for a " + task.id()
                        + " model; target normalisation is for regression");
            }
            long headHidden = Metadata.longValue(f, "model.head_hidden");
            if (headHidden < 0 || headHidden > Integer.MAX_VALUE) {
                throw new ModelFileException(path, "metadata 'model.head_hidden' must be in [0, " + Integer.MAX_VALUE + "], got " + headHidden);
            }
            String names = f.metadata().get("model.class_names");
            List<String> classNames = names == null ? List.of() : splitNames(path, names);
            ModelSpec spec = new ModelSpec(features, null, null, vocabulary, embeddingDim, rnn.cell(), rnn.hiddenSize(),
                    rnn.numLayers(), rnn.bidirectional(), rnn.dropout(), (int) headHidden, task, outputs, mode,
                    seedValue(f), classNames, null, null);
            return new Declared(spec, normalised, targetsNormalised, false);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path, "metadata describes no valid sequence model: " + e.getMessage());
        }
    }

    /** Every tensor of the layout (and the normalisation) present with its shape and finite; nothing else. */
    private static void check(SafeTensorsFile f, Declared declared) throws ModelFileException {
        ModelSpec spec = declared.spec();
        Slab.Layout layout;
        try {
            layout = SequenceModel.layout(spec);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(f.path(), "the metadata describes a model too large for any file: " + spec);
        }
        Map<String, int[]> expected = new LinkedHashMap<>();
        if (declared.normalised()) {
            expected.put(MEAN, new int[] {spec.features()});
            expected.put(STD, new int[] {spec.features()});
        }
        if (declared.targetsNormalised()) {
            expected.put(TARGET_MEAN, new int[] {spec.outputs()});
            expected.put(TARGET_STD, new int[] {spec.outputs()});
        }
        for (Slab.Layout.Entry e : layout.entries()) {
            expected.put(e.name(), e.shape());
        }
        TensorSet.requireExactly(f, expected, name -> name.startsWith(TrainingCheckpoint.OPTIMIZER)
                || name.startsWith(TrainingCheckpoint.TRAIN) || declared.ignoresOtherTensors(), spec.toString());
    }

    private static float[] values(SafeTensorsFile f, String name) throws ModelFileException {
        return f.tensor(name).toArray();
    }

    /**
     * The (checked, finite) normalisation tensors can be used ({@link ModelSpec#NORMALISATION_RANGE}):
     * every std > 0, and no mean or std so large or small that normalising overflows; the first
     * bad element is named by tensor.
     */
    private static void requireUsable(SafeTensorsFile f, String meanName, String stdName) throws ModelFileException {
        MemorySegment means = f.tensor(meanName).segment(), stds = f.tensor(stdName).segment();
        for (long i = 0; i < stds.byteSize() / Float.BYTES; i++) {
            float std = stds.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (!(std > 0)) {
                throw new ModelFileException(f.path(), "tensor '" + stdName + "' element " + i + " is " + std
                        + "; a standard deviation must be > 0");
            }
            if (!ModelSpec.usableStd(std)) {
                throw new ModelFileException(f.path(), "tensor '" + stdName + "' element " + i + " is " + std + "; "
                        + ModelSpec.NORMALISATION_RANGE);
            }
        }
        for (long i = 0; i < means.byteSize() / Float.BYTES; i++) {
            float mean = means.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (!ModelSpec.usableMean(mean)) {
                throw new ModelFileException(f.path(), "tensor '" + meanName + "' element " + i + " is " + mean + "; "
                        + ModelSpec.NORMALISATION_RANGE);
            }
        }
    }
    private static long seedValue(SafeTensorsFile f) throws ModelFileException {
        return Metadata.longValue(f, "model.seed", 0);
    }

}
