package dev.panamarnn.options;

import java.io.PrintWriter;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/**
 * How panama-rnn's command-line tools (the {@code rnn} CLI, the service's tools) run a picocli
 * command: every option checked against its {@link Range} and {@code --verbose} applied
 * ({@link LibraryLogging}) before the command runs, and every user error one line on the command's
 * standard error with exit code {@link #USER_ERROR}:
 * <ul>
 *   <li>a bad option or argument (unknown, unparsable, out of its range):
 *       {@code <command>: <problem> (see <command> --help)};</li>
 *   <li>any other failure (a missing file, an invalid model): {@code <command>: <what failed>}.</li>
 * </ul>
 * Each line goes through the tool's {@code oneLine} (its control characters escaped, so quoted
 * input cannot break the line or drive the terminal). No stack trace unless {@code -Drnn.debug=true}.
 */
public final class OneLineErrors {
    /** The exit code of every failed run, a bad option as much as a missing file (picocli's own would be 2 for the first). */
    public static final int USER_ERROR = 1;
    /** The option that shows the library's INFO log lines; a tool declares it, on any of its commands. */
    public static final String VERBOSE = "--verbose";

    private final UnaryOperator<String> oneLine;
    private final BiFunction<CommandSpec, Throwable, String> describe;

    /** Errors through {@code oneLine}; a failure described by its message ({@link #message}). */
    public OneLineErrors(UnaryOperator<String> oneLine) {
        this(oneLine, (command, failure) -> message(failure));
    }

    /** Errors through {@code oneLine}; a failure of {@code command} described by {@code describe}. */
    public OneLineErrors(UnaryOperator<String> oneLine, BiFunction<CommandSpec, Throwable, String> describe) {
        this.oneLine = oneLine;
        this.describe = describe;
    }

    /** An exception's message, or its class and message when it has none. */
    public static String message(Throwable failure) {
        return failure.getMessage() == null || failure.getMessage().isBlank() ? failure.toString() : failure.getMessage();
    }

    /** Sets {@code cli}'s execution strategy ({@link #prepare}, then the command) and its two error handlers; returns {@code cli}. */
    public CommandLine install(CommandLine cli) {
        cli.setExecutionStrategy(parsed -> {
            prepare(parsed);
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine command = e.getCommandLine();
            String name = command.getCommandSpec().qualifiedName();
            report(command.getErr(), oneLine.apply(name + ": " + e.getMessage()) + " (see " + name + " --help)", e);
            return USER_ERROR;
        });
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            Throwable failure = e instanceof ExecutionException && e.getCause() instanceof Error error ? error : e;
            report(command.getErr(), oneLine.apply(command.getCommandSpec().qualifiedName() + ": " + describe.apply(command.getCommandSpec(), failure)), failure);
            return USER_ERROR;
        });
        return cli;
    }

    /**
     * What runs before the command: the library's logging for the tool ({@code parsed}'s root command),
     * INFO if {@link #VERBOSE} was given to any command of the parse; then every option's range.
     */
    public void prepare(ParseResult parsed) {
        boolean verbose = false;
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            verbose |= p.hasMatchedOption(VERBOSE);
        }
        LibraryLogging.configure(parsed.commandSpec().name(), verbose, oneLine);
        OptionRanges.check(parsed);
    }

    private static void report(PrintWriter err, String line, Throwable failure) {
        err.println(line);
        if (Boolean.getBoolean("rnn.debug")) {
            failure.printStackTrace(err);
        }
        err.flush();
    }
}
