package dev.panamarnn.cli;

import dev.panamarnn.Rnn;
import dev.panamarnn.examples.support.UserFiles;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.model.ModelSpec;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.SequenceModelFile;
import dev.panamarnn.onnx.OnnxExport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rnn export}: a model file (any the CLI writes, or a bare stack from {@code ModelFile.save})
 * as an ONNX model for ONNX Runtime and other runtimes (docs/onnx.md).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a model as ONNX (opset " + OnnxExport.OPSET + ", time-major, the state as inputs h0/c0 and outputs hn/cn).")
final class ExportCommand implements Callable<Integer> {
    enum Format { onnx }

    @Option(names = "--model", required = true, description = "A model file (.safetensors) written by rnn or by the library.")
    Path model;
    @Option(names = "--format", required = true, description = "Output format: ${COMPLETION-CANDIDATES}.")
    Format format;
    @Option(names = "--out", required = true, description = "The file to write (replaced atomically).")
    Path out;
    @Option(names = "--sequence-lengths", description = "Add the int32 input sequence_lens (B), for batches of sequences of "
            + "different lengths (default: every sequence fills the time axis).")
    boolean sequenceLengths;

    @Override
    public Integer call() throws IOException {
        UserFiles.regularFile(model, "model file");
        UserFiles.outputFile(out, "--out", model, null);
        Map<String, String> metadata;
        try (var file = ModelFile.read(model)) {                                   // safetensors, or .onnx
            metadata = file.metadata();
        }
        OnnxExport.Options options = OnnxExport.Options.defaults().withSequenceLengths(sequenceLengths).withMetadata(carried(metadata));
        if (!metadata.containsKey(SequenceModelFile.KIND_KEY) && metadata.containsKey(ModelFile.CELL)) {   // a bare stack
            try (Rnn rnn = ModelFile.load(model)) {
                OnnxExport.write(rnn, out, options);
                System.out.println("wrote " + out + ": a " + rnn.config().cell().id() + " stack; input (T, B, " + rnn.config().inputSize()
                        + "), output (T, B, " + rnn.config().outputSize() + ")" + stateNote(rnn.config().cell().hasCellState()));
            }
            return 0;
        }
        try (SequenceModel m = SequenceModel.load(model)) {
            OnnxExport.write(m, out, options);
            ModelSpec spec = m.spec();
            String input = spec.tokens() ? "int64 token ids (T, B)" : "(T, B, " + spec.features() + ")";
            String output = spec.outputMode() == OutputMode.PER_STEP ? "(T, B, " + spec.outputs() + ")" : "(B, " + spec.outputs() + ")";
            System.out.println("wrote " + out + ": a " + spec.task().id() + " model; input " + input + ", output " + output
                    + stateNote(spec.cell().hasCellState()));
        }
        return 0;
    }

    /** The file's own metadata that describes the model's use (CSV columns, vocabulary, series), without the training run's state. */
    private static Map<String, String> carried(Map<String, String> metadata) {
        Map<String, String> kept = new TreeMap<>();
        metadata.forEach((k, v) -> {
            if (!k.startsWith("train.") && !k.startsWith("optimizer.") && !k.equals("data.fingerprint")) {
                kept.put(k, v);
            }
        });
        return kept;
    }

    private static String stateNote(boolean lstm) {
        return lstm ? "; state h0/c0 in, hn/cn out" : "; state h0 in, hn out";
    }
}
