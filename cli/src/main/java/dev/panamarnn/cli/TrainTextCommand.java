package dev.panamarnn.cli;

import dev.panamarnn.CellType;
import dev.panamarnn.examples.support.NetworkSize;
import dev.panamarnn.options.Range;
import dev.panamarnn.examples.support.UserFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rnn train text}: a character-level language model on a text file (or the embedded corpus). */
@Command(name = "text", mixinStandardHelpOptions = true, description = "Train a character-level language model.")
final class TrainTextCommand implements Callable<Integer> {
    @Option(names = "--corpus", description = "UTF-8 text file (.gz allowed); default: the embedded King James Bible.")
    Path corpus;
    @Option(names = "--cell", defaultValue = "lstm", description = "lstm, gru, gru_reset_before (ONNX's default GRU), rnn (tanh), rnn_tanh or rnn_relu.")
    String cell;
    @Option(names = "--embedding", defaultValue = "64", description = "Character embedding width.")
    @Range(min = 1, max = 4096)
    int embedding;
    @Option(names = "--hidden", defaultValue = "256", description = "Hidden units per layer.")
    @Range(min = 1, max = 8192)
    int hidden;
    @Option(names = "--layers", defaultValue = "2", description = "Stacked recurrent layers.")
    @Range(min = 1, max = 16)
    int layers;
    @Option(names = "--dropout", defaultValue = "0", description = "Dropout between recurrent layers.")
    @Range(min = 0, max = 0.9)
    double dropout;
    @Option(names = "--seq-len", defaultValue = "64", description = "Window k1 of truncated BPTT.")
    @Range(min = 1, max = 100000)
    int seqLen;
    @Option(names = "--batch", defaultValue = "32", description = "Parallel streams.")
    @Range(min = 1, max = 4096)
    int batch;
    @Option(names = "--lr", defaultValue = "3e-3", description = "AdamW learning rate (after 100 warm-up steps).")
    @Range(min = 1e-9, max = 10)
    double lr;
    @Option(names = "--clip", defaultValue = "1.0", description = "Clip gradients to this global norm (0: off).")
    @Range(min = 0, max = 1e6)
    double clip;
    @Option(names = "--minutes", defaultValue = "3", description = "Training time budget in minutes (ignored when --steps is given).")
    @Range(min = 0.01, max = 10080)
    double minutes;
    @Option(names = "--steps", defaultValue = "0", description = "Stop after this many steps (0: time budget only).")
    @Range(min = 0, max = 1e12)
    long steps;
    @Option(names = "--out", defaultValue = "rnn-text", description = "Output directory.")
    Path out;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of every random choice.")
    long seed;
    @Option(names = "--sample-every", defaultValue = "500", description = "Print a sample every this many steps (0: never).")
    @Range(min = 0, max = 2147483647)
    int sampleEvery;
    @Mixin
    RunSafety safety;

    @Override
    public Integer call() throws Exception {
        NetworkSize.of(CellType.fromId(cell), embedding, hidden, layers, false, 256, 256, embedding, batch, seqLen)  // a vocabulary of 256 assumed
                .requireTrainable("--hidden " + hidden + " --layers " + layers + " --embedding " + embedding + " --batch " + batch + " --seq-len " + seqLen);
        String text = corpus == null ? TextTrainingJob.readDefaultCorpus() : UserFiles.readText(corpus);
        String name = corpus == null ? "the King James Bible (embedded)" : corpus.getFileName().toString();
        return TextTrainingJob.run(text, new TextTrainingJob.Settings(name, CellType.fromId(cell), embedding, hidden, layers,
                dropout, seqLen, batch, lr, clip, steps > 0 ? 0 : minutes, steps, out, seed, sampleEvery, sampleEvery), safety, "rnn train text",
                System.out);
    }
}
