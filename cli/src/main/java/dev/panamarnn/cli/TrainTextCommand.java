package dev.panamarnn.cli;

import dev.panamarnn.CellType;
import dev.panamarnn.data.TextCorpus;
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
    @Option(names = "--cell", defaultValue = "lstm", description = "lstm, gru, rnn (tanh), rnn_tanh or rnn_relu (default: ${DEFAULT-VALUE}).")
    String cell;
    @Option(names = "--embedding", defaultValue = "64")
    int embedding;
    @Option(names = "--hidden", defaultValue = "256")
    int hidden;
    @Option(names = "--layers", defaultValue = "2")
    int layers;
    @Option(names = "--dropout", defaultValue = "0")
    double dropout;
    @Option(names = "--seq-len", defaultValue = "64", description = "Window k1 of truncated BPTT.")
    int seqLen;
    @Option(names = "--batch", defaultValue = "32", description = "Parallel streams.")
    int batch;
    @Option(names = "--lr", defaultValue = "3e-3")
    double lr;
    @Option(names = "--clip", defaultValue = "1.0", description = "Clip gradients to this global norm (0: off).")
    double clip;
    @Option(names = "--minutes", defaultValue = "3")
    double minutes;
    @Option(names = "--steps", defaultValue = "0", description = "Stop after this many steps (0: time budget only).")
    long steps;
    @Option(names = "--out", defaultValue = "rnn-text")
    Path out;
    @Option(names = "--seed", defaultValue = "42")
    long seed;
    @Option(names = "--sample-every", defaultValue = "500")
    int sampleEvery;
    @Mixin
    RunSafety safety;

    @Override
    public Integer call() throws Exception {
        String text = corpus == null ? TextTrainingJob.readDefaultCorpus() : TextCorpus.readText(corpus);
        String name = corpus == null ? "the King James Bible (embedded)" : corpus.getFileName().toString();
        return TextTrainingJob.run(text, new TextTrainingJob.Settings(name, CellType.fromId(cell), embedding, hidden, layers,
                dropout, seqLen, batch, lr, clip, steps > 0 ? 0 : minutes, steps, out, seed, sampleEvery, sampleEvery), safety, "rnn train text",
                System.out);
    }
}
