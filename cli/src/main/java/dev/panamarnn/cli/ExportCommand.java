package dev.panamarnn.cli;

import dev.panamarnn.Rnn;
import dev.panamarnn.examples.support.UserFiles;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.model.ModelSpec;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.SequenceModelFile;
import dev.panamarnn.onnx.OnnxExport;
import java.io.IOException;
import java.nio.file.Path;
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
        OnnxExport.Options options = OnnxExport.Options.defaults().withSequenceLengths(sequenceLengths);
        if (isBareStack()) {
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

    /** A file without the sequence-model kind whose metadata describes a stack (ModelFile.save). */
    private boolean isBareStack() throws IOException {
        try (SafeTensorsFile f = SafeTensors.read(model)) {
            return !f.metadata().containsKey(SequenceModelFile.KIND_KEY) && f.metadata().containsKey(ModelFile.CELL);
        }
    }

    private static String stateNote(boolean lstm) {
        return lstm ? "; state h0/c0 in, hn/cn out" : "; state h0 in, hn out";
    }
}
