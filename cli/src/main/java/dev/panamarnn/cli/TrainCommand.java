package dev.panamarnn.cli;

import picocli.CommandLine.Command;

/** {@code rnn train text|series|sequences}. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model.",
        subcommands = {TrainTextCommand.class, TrainSeriesCommand.class, TrainSequencesCommand.class})
final class TrainCommand {
}
