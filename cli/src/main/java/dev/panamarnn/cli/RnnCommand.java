package dev.panamarnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rnn}: the command line of panama-rnn. Each subcommand drives the library's public API. */
@Command(name = "rnn", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Recurrent neural networks (RNN, LSTM, GRU) on the JVM with native kernels.",
        subcommands = {DemoCommand.class, TrainCommand.class, SampleCommand.class, ForecastCommand.class, PredictCommand.class,
                dev.panamarnn.examples.experiment.ExperimentCommand.class, InfoCommand.class})
public final class RnnCommand implements Runnable {
    private static final String BENCH = "dev.panamarnn.bench.runner.SideBySide";

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
        Object bench = benchCommand();
        if (bench != null) {
            cli.addSubcommand(bench);
        }
        cli.addSubcommand(new CommandLine.HelpCommand());
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

    /**
     * {@code rnn bench}: the benchmarks module's side-by-side runner, found by name on the class
     * path (the CLI's own code does not compile against the benchmarks), or null without it.
     */
    private static Object benchCommand() {
        try {
            return Class.forName(BENCH).getConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create `rnn bench` from " + BENCH + ": " + e, e);
        }
    }
}
