package dev.panamarnn.cli;

import dev.panamarnn.CellType;
import dev.panamarnn.options.Range;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rnn demo}: a 2-layer character-level LSTM learns to write like the King James Bible. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Train a character-level LSTM on the embedded King James Bible for a few minutes, "
                + "printing samples along the way; writes the model and a loss-curve PNG.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--minutes", defaultValue = "3", description = "Training time budget.")
    @Range(min = 0.01, max = 10080)
    double minutes;
    @Option(names = "--out", defaultValue = "rnn-demo", description = "Output directory.")
    Path out;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of every random choice.")
    long seed;
    @Mixin
    RunSafety safety;

    @Override
    public Integer call() throws Exception {
        String text = TextTrainingJob.readDefaultCorpus();
        return TextTrainingJob.run(text, new TextTrainingJob.Settings("the King James Bible (embedded)", CellType.LSTM,
                64, 256, 2, 0.0, 64, 32, 3e-3, 1.0, minutes, 0, out, seed, 400, 400), safety, "rnn demo", System.out);
    }
}
