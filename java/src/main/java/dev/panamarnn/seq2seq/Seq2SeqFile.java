package dev.panamarnn.seq2seq;

import dev.panamarnn.RnnConfig;
import dev.panamarnn.internal.io.Metadata;
import dev.panamarnn.internal.io.TensorSet;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.SequenceModelFile;
import dev.panamarnn.tensor.Slab;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link Seq2Seq} model as a safetensors file: every parameter under its name in the sizes table
 * ({@link Seq2Seq}), the encoder's architecture as {@link ModelFile}'s keys under "encoder."
 * (cell, input_size = the embedding, hidden_size, num_layers, bidirectional), and
 * {@code seq2seq.source_vocab}, {@code seq2seq.target_vocab}, {@code seq2seq.bos},
 * {@code seq2seq.eos}, {@code seq2seq.seed}; {@value SequenceModelFile#KIND_KEY} is
 * {@value #KIND}. The decoder's architecture follows from these (Seq2SeqConfig).
 *
 * <p>Every file is treated as hostile: the metadata must describe a valid model, the file must hold
 * exactly its tensors with their shapes and finite values, and nothing is allocated for the model
 * before all of that is checked; any problem is a {@link ModelFileException} naming the file.
 */
public final class Seq2SeqFile {
    /** The value of {@value SequenceModelFile#KIND_KEY} in a seq2seq model file. */
    public static final String KIND = "seq2seq";
    private static final String ENCODER = "encoder.";
    private static final String SOURCE_VOCAB = "seq2seq.source_vocab";
    private static final String TARGET_VOCAB = "seq2seq.target_vocab";
    private static final String BOS = "seq2seq.bos";
    private static final String EOS = "seq2seq.eos";
    private static final String SEED = "seq2seq.seed";

    private Seq2SeqFile() {}

    /** Writes the model's parameters and architecture, atomically; {@code extra} metadata is added (its keys must not be the model's). */
    public static void save(Path file, Seq2Seq model, Map<String, String> extra) throws ModelFileException {
        Seq2SeqConfig c = model.config();
        Map<String, String> m = new LinkedHashMap<>();
        m.put(SequenceModelFile.KIND_KEY, KIND);
        m.put(SOURCE_VOCAB, Integer.toString(c.sourceVocab()));
        m.put(TARGET_VOCAB, Integer.toString(c.targetVocab()));
        m.put(BOS, Integer.toString(c.bos()));
        m.put(EOS, Integer.toString(c.eos()));
        m.put(SEED, Long.toString(c.seed()));
        for (Map.Entry<String, String> e : extra.entrySet()) {
            if (m.containsKey(e.getKey())) {
                throw new IllegalArgumentException("extra metadata key '" + e.getKey() + "' is reserved for the model");
            }
            m.put(e.getKey(), e.getValue());
        }
        SafeTensors.write(file, model.parameters().tensors(), ModelFile.metadata(Seq2Seq.encoderConfig(c), ENCODER, m));
    }

    /** Reads a model on the JVM's selected kernels. */
    public static Seq2Seq load(Path file) throws ModelFileException {
        return load(file, KernelSelection.selected());
    }

    /** Reads a model on {@code kernels}; all checks come before the model is built. */
    public static Seq2Seq load(Path file, Kernels kernels) throws ModelFileException {
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            Seq2SeqConfig config = config(f);
            check(f, config);
            Seq2Seq model = Seq2Seq.create(config, kernels);
            try {
                f.copyAllInto(model.parameters().tensors());
                return model;
            } catch (ModelFileException | RuntimeException e) {
                model.close();
                throw e;
            }
        }
    }

    /** The architecture the metadata describes. */
    static Seq2SeqConfig config(SafeTensorsFile f) throws ModelFileException {
        String kind = f.metadata().get(SequenceModelFile.KIND_KEY);
        if (!KIND.equals(kind)) {
            throw new ModelFileException(f.path(), "is not a seq2seq model (metadata " + SequenceModelFile.KIND_KEY + " is "
                    + (kind == null ? "missing" : "'" + kind + "'") + ", expected '" + KIND + "')");
        }
        RnnConfig encoder = ModelFile.config(f, ENCODER);
        if (encoder.dropout() != 0 || encoder.batchFirst()) {
            throw new ModelFileException(f.path(), "metadata 'encoder.dropout' / 'encoder.batch_first' are " + encoder.dropout() + " / "
                    + encoder.batchFirst() + "; a seq2seq encoder has neither (expected 0.0 / false)");
        }
        int sourceVocab = Metadata.positive(f, SOURCE_VOCAB);
        int targetVocab = Metadata.positive(f, TARGET_VOCAB);
        int bos = (int) Metadata.nonNegative(f, BOS, targetVocab - 1);
        int eos = (int) Metadata.nonNegative(f, EOS, targetVocab - 1);
        long seed = Metadata.longValue(f, SEED);
        try {
            return new Seq2SeqConfig(encoder.cell(), sourceVocab, targetVocab, encoder.inputSize(), encoder.hiddenSize(),
                    encoder.numLayers(), encoder.bidirectional(), bos, eos, seed);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(f.path(), "metadata describes no valid seq2seq model: " + e.getMessage());
        }
    }

    /** Exactly the sizes table's tensors, with their shapes and finite values. */
    private static void check(SafeTensorsFile f, Seq2SeqConfig config) throws ModelFileException {
        String described = config.cell().id() + " source_vocab " + config.sourceVocab() + " target_vocab " + config.targetVocab()
                + " embedding " + config.embedding() + " hidden " + config.hidden() + " layers " + config.layers()
                + (config.bidirectional() ? " bidirectional" : "");
        if ((long) config.layers() * config.directions() > f.names().size()) {   // before building a layout of a hostile size
            throw new ModelFileException(f.path(), "the metadata describes " + config.layers() + " layer(s) x " + config.directions()
                    + " direction(s), more than its " + f.names().size() + " tensors can hold");
        }
        Slab.Layout layout;
        try {
            layout = Seq2Seq.layout(config);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(f.path(), "the metadata describes a model too large for any file: " + described);
        }
        Map<String, int[]> expected = new LinkedHashMap<>();
        for (Slab.Layout.Entry e : layout.entries()) {
            expected.put(e.name(), e.shape());
        }
        TensorSet.requireExactly(f, expected, name -> false, described);
    }
}
