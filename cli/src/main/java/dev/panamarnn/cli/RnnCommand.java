package dev.panamarnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rnn}: the command line of panama-rnn. Each subcommand drives the library's public API. */
@Command(name = "rnn", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Recurrent neural networks (RNN, LSTM, GRU) on the JVM with native kernels.",
        subcommands = {InfoCommand.class, dev.panamarnn.bench.runner.SideBySide.class, CommandLine.HelpCommand.class})
public final class RnnCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new RnnCommand()).execute(args));
    }
}
