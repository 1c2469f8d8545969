package dev.panamarnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rnn}: the command line of panama-rnn. Each subcommand drives the library's public API. */
@Command(name = "rnn", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Recurrent neural networks (RNN, LSTM, GRU) on the JVM with native kernels.",
        subcommands = {DemoCommand.class, TrainCommand.class, SampleCommand.class, ForecastCommand.class, PredictCommand.class,
                dev.panamarnn.examples.experiment.ExperimentCommand.class, InfoCommand.class,
                dev.panamarnn.bench.runner.SideBySide.class, CommandLine.HelpCommand.class})
public final class RnnCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with one-line errors: a bad option or argument prints usage help; any
     * other failure (missing file, invalid model, disk full) prints "rnn <command>: <message>" and exits 1.
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new RnnCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + message); // "rnn train sequences: ..."
            if (Boolean.getBoolean("rnn.debug")) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        return cli;
    }
}
