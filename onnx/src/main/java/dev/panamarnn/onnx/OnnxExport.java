package dev.panamarnn.onnx;

import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.io.AtomicFile;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.model.ModelSpec;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.SequenceModelFile;
import dev.panamarnn.onnx.proto.Onnx;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes a {@link SequenceModel} or an {@link Rnn} as an ONNX model that ONNX Runtime (or any
 * runtime of opset {@value #OPSET}) runs with the same numbers. The graph is time-major:
 * <pre>
 *   input          (T, B, F) float32, or (T, B) int64 token ids      T, B dynamic ("time", "batch")
 *   sequence_lens  (B) int32                                          only with {@link Options#sequenceLengths}
 *   h0, c0         (L*D, B, H) float32 initial states (c0 for LSTM), PyTorch's h_0 order: layer-major, then direction
 *   output         (T, B, K) per step, or (B, K) per sequence: logits for classes and tokens, values for regression
 *   hn, cn         (L*D, B, H) the final states
 * </pre>
 * A stream is served by feeding hn/cn back as the next call's h0/c0 (zeros to start). The
 * model file's metadata (architecture, task, class names) goes into the model's metadata_props, so
 * the import reads back the same SequenceModel.
 */
public final class OnnxExport {
    /** Opset 14: the recurrent operators in their current form (LSTM/GRU/RNN-14 added {@code layout}), Reshape with allowzero. */
    public static final int OPSET = 14;
    /** IR version 7 is the one that goes with opset 14. */
    public static final int IR_VERSION = 7;
    public static final String INPUT = "input", SEQUENCE_LENS = "sequence_lens", H0 = "h0", C0 = "c0", OUTPUT = "output",
            HN = "hn", CN = "cn";
    /** Metadata key recording the graph's layout (always "time-major"). */
    public static final String LAYOUT_KEY = "panama_rnn.onnx.layout";

    /**
     * @param sequenceLengths add the {@code sequence_lens} input (variable lengths in one batch)
     * @param metadata        more metadata_props (a model file's own, say: the CSV columns it was trained on);
     *                        keys the model's architecture writes keep the model's values
     */
    public record Options(boolean sequenceLengths, Map<String, String> metadata) {
        public Options {
            metadata = Map.copyOf(metadata);
        }

        public static Options defaults() {
            return new Options(false, Map.of());
        }

        public Options withSequenceLengths(boolean value) {
            return new Options(value, metadata);
        }

        public Options withMetadata(Map<String, String> values) {
            return new Options(sequenceLengths, values);
        }
    }

    private OnnxExport() {}

    public static void write(SequenceModel model, Path file) throws IOException {
        write(model, file, Options.defaults());
    }

    /** Writes {@code model} to {@code file} atomically (temporary file, fsync, rename). */
    public static void write(SequenceModel model, Path file, Options options) throws IOException {
        AtomicFile.write(file, toBytes(model, options));
    }

    public static void write(Rnn rnn, Path file) throws IOException {
        write(rnn, file, Options.defaults());
    }

    public static void write(Rnn rnn, Path file, Options options) throws IOException {
        AtomicFile.write(file, toBytes(rnn, options));
    }

    /** The serialized ModelProto of {@code model}. */
    public static byte[] toBytes(SequenceModel model, Options options) {
        ModelSpec spec = model.spec();
        RnnConfig config = spec.rnn();
        Function<String, float[]> parameter = name -> model.parameters().get(name).toArray();
        GraphBuilder g = new GraphBuilder("panama_rnn_sequence_model");
        String x;
        if (spec.tokens()) {
            g.input(INPUT, GraphBuilder.INT64, "time", "batch");
            String table = g.weights(SequenceModel.EMBEDDING + "weight", parameter.apply(SequenceModel.EMBEDDING + "weight"),
                    spec.vocabulary(), spec.embeddingDim());
            x = g.apply("Gather", "embedded", table, INPUT);                                  // (T, B, E)
        } else {
            g.input(INPUT, GraphBuilder.FLOAT, "time", "batch", spec.features());
            x = INPUT;
            if (spec.normalised()) {                                                            // (x - mean) / std
                String centred = g.apply("Sub", "centred", INPUT, g.weights("normalise.mean", spec.mean(), spec.features()));
                x = g.apply("Div", "normalised", centred, g.weights("normalise.std", spec.std(), spec.features()));
            }
        }
        String lengths = stateInputs(g, config, options);
        var stack = RecurrentStackGraph.write(g, config, name -> parameter.apply(SequenceModel.RNN + name), x, lengths, H0, C0, HN, CN);
        boolean perStep = spec.outputMode() == OutputMode.PER_STEP;
        String features = perStep ? RecurrentStackGraph.timeMajorFeatures(g, stack.topOutput(), "top.output", config.directions())
                                  : finalFeatures(g, stack.topFinalHidden(), config.directions());
        String y = HeadGraph.write(g, parameter, features, perStep, spec.headInput(), spec.headHidden(), spec.outputs(),
                spec.targetsNormalised() ? "head.output" : OUTPUT);
        if (spec.targetsNormalised()) {                                                         // y = z * std + mean
            String scaled = g.apply("Mul", "denormalise.scaled", y, g.weights("normalise.target_std", spec.targetStd(), spec.outputs()));
            g.apply("Add", OUTPUT, scaled, g.weights("normalise.target_mean", spec.targetMean(), spec.outputs()));
        }
        if (perStep) {
            g.output(OUTPUT, GraphBuilder.FLOAT, "time", "batch", spec.outputs());
        } else {
            g.output(OUTPUT, GraphBuilder.FLOAT, "batch", spec.outputs());
        }
        stateOutputs(g, config);
        return model(g, SequenceModelFile.metadata(spec, Map.of()), options).toByteArray();
    }

    /** The serialized ModelProto of a bare stack: output (T, B, D*H), the top layer's outputs. */
    public static byte[] toBytes(Rnn rnn, Options options) {
        RnnConfig config = rnn.config();
        GraphBuilder g = new GraphBuilder("panama_rnn_stack");
        g.input(INPUT, GraphBuilder.FLOAT, "time", "batch", config.inputSize());
        String lengths = stateInputs(g, config, options);
        var stack = RecurrentStackGraph.write(g, config, name -> rnn.parameter(name).toArray(), INPUT, lengths, H0, C0, HN, CN);
        RecurrentStackGraph.timeMajorFeatures(g, stack.topOutput(), OUTPUT, config.directions());
        g.output(OUTPUT, GraphBuilder.FLOAT, "time", "batch", config.outputSize());
        stateOutputs(g, config);
        return model(g, ModelFile.metadata(config, "", Map.of()), options).toByteArray();
    }

    /** (B, D*H) from the top layer's Y_h (D, B, H): both directions' final states side by side (forward first). */
    private static String finalFeatures(GraphBuilder g, String yH, int directions) {
        if (directions == 1) {
            return g.apply("Squeeze", "top.final", yH, g.int64s("top.final.axes", 0));
        }
        String bdh = g.node("Transpose", "top.final.transpose", new String[] {yH}, "top.final.bdh")
                .addAttribute(GraphBuilder.intsAttribute("perm", 1, 0, 2)).getOutput(0);
        return g.apply("Reshape", "top.final", bdh, g.int64s("top.final.shape", 0, -1));
    }

    private static String stateInputs(GraphBuilder g, RnnConfig config, Options options) {
        String lengths = "";
        if (options.sequenceLengths()) {
            g.input(SEQUENCE_LENS, GraphBuilder.INT32, "batch");
            lengths = SEQUENCE_LENS;
        }
        int states = config.numLayers() * config.directions();
        g.input(H0, GraphBuilder.FLOAT, states, "batch", config.hiddenSize());
        if (config.cell().hasCellState()) {
            g.input(C0, GraphBuilder.FLOAT, states, "batch", config.hiddenSize());
        }
        return lengths;
    }

    private static void stateOutputs(GraphBuilder g, RnnConfig config) {
        int states = config.numLayers() * config.directions();
        g.output(HN, GraphBuilder.FLOAT, states, "batch", config.hiddenSize());
        if (config.cell().hasCellState()) {
            g.output(CN, GraphBuilder.FLOAT, states, "batch", config.hiddenSize());
        }
    }

    private static Onnx.ModelProto model(GraphBuilder g, Map<String, String> metadata, Options options) {
        Onnx.ModelProto.Builder model = Onnx.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("panama-rnn")
                .setGraph(g.build());
        Map<String, String> props = new LinkedHashMap<>(metadata);
        options.metadata().forEach(props::putIfAbsent);
        props.put(LAYOUT_KEY, "time-major");
        props.forEach((k, v) -> model.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return model.build();
    }
}
