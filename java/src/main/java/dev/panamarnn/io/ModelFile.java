package dev.panamarnn.io;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An {@link Rnn} in a safetensors file: its parameters under PyTorch's state_dict names
 * ({@code weight_ih_l0}, {@code bias_hh_l1_reverse}, ...) and metadata describing the architecture,
 * so a file exported from a PyTorch {@code nn.LSTM}/{@code nn.GRU}/{@code nn.RNN} loads here
 * (scripts/export_pytorch_model.py) and gives PyTorch's outputs.
 *
 * <p>Metadata keys (values are strings, as safetensors requires): {@value #CELL} (lstm, gru,
 * gru_reset_before, rnn_tanh, rnn_relu), {@value #INPUT_SIZE}, {@value #HIDDEN_SIZE}, {@value #NUM_LAYERS} (decimal
 * integers), {@value #BIDIRECTIONAL} (true/false) — these five are the architecture and are
 * required — and, optional, {@value #BATCH_FIRST} (true/false) and {@value #DROPOUT} (a decimal
 * number), which do not change the parameters and are only used when a network is built from the
 * file. Any other entries (a vocabulary, a training step, ...) pass through untouched.
 *
 * <p>A prefix places the network inside a larger model: with prefix {@code "rnn."} the tensors are
 * {@code rnn.weight_ih_l0}, ... (as in the state_dict of a PyTorch module with an attribute
 * {@code rnn}) and the metadata keys are {@code rnn.cell}, {@code rnn.hidden_size}, ... The tensors
 * of the network are the names that start with the prefix and have no further '.'; others belong
 * to other parts of the model and are ignored here.
 *
 * <p>Loading is all-or-nothing: the metadata, the presence and shape of every tensor (none missing,
 * none unexpected) and the finiteness of every value are checked before the first parameter is
 * written. Every problem is a {@link ModelFileException} naming the file and what is wrong.
 */
public final class ModelFile {
    public static final String CELL = "cell";
    public static final String INPUT_SIZE = "input_size";
    public static final String HIDDEN_SIZE = "hidden_size";
    public static final String NUM_LAYERS = "num_layers";
    public static final String BIDIRECTIONAL = "bidirectional";
    public static final String BATCH_FIRST = "batch_first";
    public static final String DROPOUT = "dropout";

    private static final Pattern POSITIVE_INT = Pattern.compile("[1-9][0-9]{0,9}");
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,20}(\\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?");

    private ModelFile() {}

    // ---- save ----

    /** Saves {@code rnn} with no prefix and no extra metadata. */
    public static void save(Path file, Rnn rnn) throws ModelFileException {
        save(file, rnn, "", Map.of());
    }

    /**
     * Saves the parameters of {@code rnn} (straight from its parameter slab) under
     * {@code prefix + state_dict name}, with the architecture metadata and {@code extraMetadata},
     * atomically ({@link SafeTensors#write}).
     * @throws IllegalArgumentException if an extra key is one of the architecture keys (with the prefix)
     */
    public static void save(Path file, Rnn rnn, String prefix, Map<String, String> extraMetadata) throws ModelFileException {
        SafeTensors.write(file, tensors(rnn, prefix), metadata(rnn.config(), prefix, extraMetadata));
    }

    /** The architecture metadata of {@code config}, keys prefixed, followed by {@code extra}. */
    public static Map<String, String> metadata(RnnConfig config, String prefix, Map<String, String> extra) {
        Objects.requireNonNull(prefix, "prefix");
        Map<String, String> m = new LinkedHashMap<>();
        m.put(prefix + CELL, config.cell().id());
        m.put(prefix + INPUT_SIZE, Integer.toString(config.inputSize()));
        m.put(prefix + HIDDEN_SIZE, Integer.toString(config.hiddenSize()));
        m.put(prefix + NUM_LAYERS, Integer.toString(config.numLayers()));
        m.put(prefix + BIDIRECTIONAL, Boolean.toString(config.bidirectional()));
        m.put(prefix + BATCH_FIRST, Boolean.toString(config.batchFirst()));
        m.put(prefix + DROPOUT, Double.toString(config.dropout()));
        for (Map.Entry<String, String> e : extra.entrySet()) {
            if (m.containsKey(e.getKey())) {
                throw new IllegalArgumentException("extra metadata key '" + e.getKey() + "' is reserved for the architecture");
            }
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    /** The parameters of {@code rnn} in state_dict order under {@code prefix + name} (views, no copy). */
    public static Map<String, Tensor> tensors(Rnn rnn, String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        Map<String, Tensor> named = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : rnn.parameters().tensors().entrySet()) {
            named.put(prefix + e.getKey(), e.getValue());
        }
        return named;
    }

    // ---- load ----

    /**
     * Reads {@code file} and builds the network it describes (no prefix) on the JVM's selected kernels.
     * @throws ModelFileException for any problem of the file: unreadable, not a valid safetensors
     *         file ({@link SafeTensors#read}), metadata describing no valid network, a tensor
     *         missing, unexpected, of the wrong shape or not finite
     */
    public static Rnn load(Path file) throws ModelFileException {
        return load(file, KernelSelection.selected());
    }

    /**
     * Reads {@code file} and builds the network it describes (no prefix) on {@code kernels}.
     * @throws ModelFileException as {@link #load(Path)}
     */
    public static Rnn load(Path file, Kernels kernels) throws ModelFileException {
        try (SafeTensorsFile f = read(file)) {
            return load(f, "", kernels);
        }
    }

    /**
     * Reads a model file: safetensors, or another format by its extension when a {@link ModelFormat}
     * provides it (an {@code .onnx} file with panama-rnn-onnx on the class path).
     */
    public static SafeTensorsFile read(Path file) throws ModelFileException {
        java.util.Optional<ModelFormat> format = ModelFormat.forFile(file);
        return format.isPresent() ? format.get().read(file) : SafeTensors.read(file);
    }

    /**
     * Builds the network described by the metadata under {@code prefix} and loads its parameters.
     * Nothing is allocated for the network before the whole file has been checked.
     * @throws ModelFileException if the metadata under {@code prefix} describes no valid network or
     *         the tensors under {@code prefix} are not exactly its parameters (names, shapes, finite values)
     * @throws IllegalStateException if {@code file} is closed
     */
    public static Rnn load(SafeTensorsFile file, String prefix, Kernels kernels) throws ModelFileException {
        RnnConfig config = config(file, prefix);
        Map<String, MemorySegment> sources = check(file, prefix, config);
        Rnn rnn = Rnn.create(config, kernels);
        try {
            copy(sources, rnn);
        } catch (RuntimeException | Error e) {
            rnn.close();
            throw e;
        }
        return rnn;
    }

    /**
     * Loads the parameters under {@code prefix} into {@code rnn}, whose configuration must match
     * the file's architecture metadata. All-or-nothing: on any problem {@code rnn} is unchanged.
     */
    public static void load(SafeTensorsFile file, String prefix, Rnn rnn) throws ModelFileException {
        Objects.requireNonNull(rnn, "rnn");
        rnn.parameters();   // IllegalStateException if closed
        RnnConfig expected = rnn.config();
        RnnConfig declared = config(file, prefix);
        List<String> differences = new ArrayList<>();
        differ(differences, prefix + CELL, declared.cell().id(), expected.cell().id());
        differ(differences, prefix + INPUT_SIZE, declared.inputSize(), expected.inputSize());
        differ(differences, prefix + HIDDEN_SIZE, declared.hiddenSize(), expected.hiddenSize());
        differ(differences, prefix + NUM_LAYERS, declared.numLayers(), expected.numLayers());
        differ(differences, prefix + BIDIRECTIONAL, declared.bidirectional(), expected.bidirectional());
        if (!differences.isEmpty()) {
            throw new ModelFileException(file.path(), "holds another architecture: " + String.join(", ", differences));
        }
        copy(check(file, prefix, expected), rnn);
    }

    /**
     * The configuration described by the metadata under {@code prefix}: the five architecture keys
     * are required; {@value #BATCH_FIRST} and {@value #DROPOUT} default to false and 0; the seed is 0.
     */
    public static RnnConfig config(SafeTensorsFile file, String prefix) throws ModelFileException {
        Objects.requireNonNull(prefix, "prefix");
        Map<String, String> m = file.metadata();
        Path path = file.path();
        String cellId = required(file, prefix + CELL);
        CellType cell;
        try {
            cell = CellType.fromId(cellId);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path, "metadata '" + prefix + CELL + "' is '" + JsonReader.printable(cellId)
                    + "'; expected one of " + CellType.ids());
        }
        int inputSize = positiveInt(file, prefix + INPUT_SIZE);
        int hiddenSize = positiveInt(file, prefix + HIDDEN_SIZE);
        int numLayers = positiveInt(file, prefix + NUM_LAYERS);
        boolean bidirectional = bool(path, prefix + BIDIRECTIONAL, required(file, prefix + BIDIRECTIONAL));
        String batchFirst = m.get(prefix + BATCH_FIRST);
        String dropout = m.get(prefix + DROPOUT);
        try {
            return RnnConfig.builder(cell, inputSize, hiddenSize)
                    .layers(numLayers)
                    .bidirectional(bidirectional)
                    .batchFirst(batchFirst != null && bool(path, prefix + BATCH_FIRST, batchFirst))
                    .dropout(dropout == null ? 0 : decimal(path, prefix + DROPOUT, dropout))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path, "metadata describes no valid network: " + e.getMessage());
        }
    }

    /**
     * Checks that the tensors under {@code prefix} are exactly the parameters of {@code config} with
     * their shapes and finite values; returns each parameter's source bytes by parameter name.
     */
    private static Map<String, MemorySegment> check(SafeTensorsFile file, String prefix, RnnConfig config) throws ModelFileException {
        Map<String, SafeTensorsHeader.Entry> entries = file.entries();
        Set<String> owned = new LinkedHashSet<>();
        for (String name : entries.keySet()) {
            if (name.startsWith(prefix) && name.indexOf('.', prefix.length()) < 0) {
                owned.add(name);
            }
        }
        long needed = 4L * config.numLayers() * config.directions();
        if (needed > SafeTensorsHeader.MAX_TENSORS) {   // before building a layout of a hostile size
            throw new ModelFileException(file.path(), "the metadata describes " + config.numLayers() + " layer(s) x "
                    + config.directions() + " direction(s) = " + needed + " tensors, more than a file can hold ("
                    + SafeTensorsHeader.MAX_TENSORS + ")");
        }
        Slab.Layout layout;
        try {
            layout = Rnn.parameterLayout(config);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file.path(), "the metadata describes a network too large for any file: " + describe(config));
        }
        List<String> missing = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        Map<String, MemorySegment> sources = new LinkedHashMap<>();
        for (Slab.Layout.Entry p : layout.entries()) {
            String name = prefix + p.name();
            SafeTensorsHeader.Entry e = entries.get(name);
            if (e == null) {
                missing.add(name);
            } else if (!Arrays.equals(e.shape(), p.shape())) {
                wrongShape.add(name + " is " + Arrays.toString(e.shape()) + ", expected " + Arrays.toString(p.shape()));
            } else {
                sources.put(p.name(), file.tensor(name).segment());
            }
            owned.remove(name);
        }
        if (!missing.isEmpty() || !wrongShape.isEmpty() || !owned.isEmpty()) {
            List<String> problems = new ArrayList<>();
            if (!missing.isEmpty()) {
                problems.add("missing tensors " + SafeTensorsFile.abbreviate(missing));
            }
            if (!wrongShape.isEmpty()) {
                problems.add("wrong shapes: " + String.join("; ", wrongShape.subList(0, Math.min(20, wrongShape.size()))));
            }
            if (!owned.isEmpty()) {
                problems.add("unexpected tensors " + SafeTensorsFile.abbreviate(owned));
            }
            throw new ModelFileException(file.path(), "does not match " + describe(config) + ": " + String.join("; ", problems)
                    + (owned.isEmpty() && sources.isEmpty() ? "; the file's tensors: " + SafeTensorsFile.abbreviate(entries.keySet()) : ""));
        }
        for (Map.Entry<String, MemorySegment> s : sources.entrySet()) {
            MemorySegment values = s.getValue();
            for (long i = 0; i < values.byteSize() / Float.BYTES; i++) {
                float v = values.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                if (!Float.isFinite(v)) {
                    throw new ModelFileException(file.path(), "tensor '" + prefix + s.getKey() + "' element " + i + " is " + v
                            + "; parameters must be finite");
                }
            }
        }
        return sources;
    }

    /** Copies checked parameters into the network's slab (cannot fail: sizes were checked). */
    private static void copy(Map<String, MemorySegment> sources, Rnn rnn) {
        for (Map.Entry<String, MemorySegment> s : sources.entrySet()) {
            MemorySegment target = rnn.parameters().get(s.getKey()).segment();
            MemorySegment.copy(s.getValue(), 0, target, 0, target.byteSize());
        }
    }

    private static String describe(RnnConfig c) {
        return c.cell().id() + " input_size " + c.inputSize() + " hidden_size " + c.hiddenSize() + " num_layers " + c.numLayers()
                + (c.bidirectional() ? " bidirectional" : " unidirectional");
    }

    private static void differ(List<String> out, String key, Object inFile, Object expected) {
        if (!inFile.equals(expected)) {
            out.add(key + " is " + inFile + " in the file, the network has " + expected);
        }
    }

    private static String required(SafeTensorsFile file, String key) throws ModelFileException {
        String value = file.metadata().get(key);
        if (value == null) {
            throw new ModelFileException(file.path(), "metadata has no '" + JsonReader.printable(key)
                    + "' (not a panama-rnn model file, or another prefix?); its keys: " + SafeTensorsFile.abbreviate(file.metadata().keySet()));
        }
        return value;
    }

    private static int positiveInt(SafeTensorsFile file, String key) throws ModelFileException {
        String value = required(file, key);
        if (POSITIVE_INT.matcher(value).matches()) {
            long n = Long.parseLong(value);
            if (n <= Integer.MAX_VALUE) {
                return (int) n;
            }
        }
        throw new ModelFileException(file.path(), "metadata '" + key + "' is '" + JsonReader.printable(value)
                + "'; expected an integer in [1, " + Integer.MAX_VALUE + "]");
    }

    private static boolean bool(Path path, String key, String value) throws ModelFileException {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ModelFileException(path, "metadata '" + key + "' is '" + JsonReader.printable(value)
                    + "'; expected true or false");
        };
    }

    private static double decimal(Path path, String key, String value) throws ModelFileException {
        if (!DECIMAL.matcher(value).matches()) {
            throw new ModelFileException(path, "metadata '" + key + "' is '" + JsonReader.printable(value) + "'; expected a decimal number");
        }
        return Double.parseDouble(value);
    }
}
