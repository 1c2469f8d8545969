package dev.panamarnn.cli;

import dev.panamarnn.options.LibraryLogging;
import dev.panamarnn.options.OneLineErrors;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine;

/** {@code rnn}: the command line of panama-rnn. Each subcommand drives the library's public API. */
@Command(name = "rnn", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Recurrent neural networks (RNN, LSTM, GRU) on the JVM with native kernels.",
        subcommands = {DemoCommand.class, TrainCommand.class, SampleCommand.class, ForecastCommand.class, PredictCommand.class, ExportCommand.class,
                dev.panamarnn.examples.experiment.ExperimentCommand.class, InfoCommand.class})
public final class RnnCommand implements Runnable {
    private static final String BENCH = "dev.panamarnn.bench.runner.SideBySide";
    /** One-line errors, exit code 1; what a failure says comes from {@link FailureMessage}. */
    private static final OneLineErrors ERRORS = new OneLineErrors(PrintableText::line, FailureMessage::describe);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = OneLineErrors.VERBOSE, scope = ScopeType.INHERIT,
            description = "Also show the library's INFO log lines (which kernels were chosen) on standard error.")
    boolean verbose;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Exits with the command's code; whatever escapes (an error in picocli itself) is one line and exit code 1 too. */
    public static void main(String[] args) {
        int exit;
        try {
            exit = commandLine().execute(args);
        } catch (Throwable t) {
            System.err.println("rnn: " + PrintableText.line(String.valueOf(t.getMessage() != null ? t.getMessage() : t)));
            if (Boolean.getBoolean("rnn.debug")) {
                t.printStackTrace();
            }
            exit = OneLineErrors.USER_ERROR;
        }
        System.exit(exit);
    }

    /**
     * The command line with one-line errors and one exit code for every user error, 1
     * ({@link OneLineErrors}): a bad option or argument (unknown, unparsable, out of its range) prints
     * "rnn <command>: <problem> (see rnn <command> --help)"; any other failure (missing file, invalid
     * model, disk full, out of memory) prints "rnn <command>: <message>" ({@link FailureMessage}). No
     * stack trace unless -Drnn.debug=true. The library's INFO log lines show only with --verbose.
     */
    public static CommandLine commandLine() {
        LibraryLogging.configure("rnn", false, PrintableText::line);
        CommandLine cli = new CommandLine(new RnnCommand());
        Object bench = benchCommand();
        if (bench != null) {
            cli.addSubcommand(bench);
        }
        cli.addSubcommand(new CommandLine.HelpCommand());
        showDefaults(cli);
        ERRORS.install(cli);
        cli.setExecutionStrategy(RnnCommand::execute);      // OneLineErrors' own, reporting an Error too
        return cli;
    }

    /** Options checked against their ranges, --verbose applied, then the command; an Error it throws is reported like an exception. */
    private static int execute(ParseResult parsed) {
        ERRORS.prepare(parsed);
        try {
            return new CommandLine.RunLast().execute(parsed);
        } catch (ParameterException | ExecutionException e) {
            throw e;
        } catch (Error e) {
            ParseResult last = parsed;
            while (last.subcommand() != null) {
                last = last.subcommand();
            }
            throw new ExecutionException(last.commandSpec().commandLine(), "failed: " + e, e);
        }
    }

    /** Every command's --help shows each option's default ("Default: 42") unless its description already does. */
    private static void showDefaults(CommandLine command) {
        command.getCommandSpec().usageMessage().showDefaultValues(true);
        command.getSubcommands().values().forEach(RnnCommand::showDefaults);
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
