package dev.panamarnn.service;

import dev.panamarnn.options.OptionRanges;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command line of this module's tools ({@link ServiceMain}, {@link LoadGenerator},
 * {@link IdleFootprint}), as the {@code rnn} CLI does it: picocli options, each numeric one checked
 * against its {@link dev.panamarnn.options.Range} before the command runs, and every user error (a
 * bad option, a bad model file, a token model) one line {@code <tool>: <problem>} on standard error
 * with exit code 1. No stack trace unless {@code -Drnn.debug=true}; the library's INFO log lines only
 * with {@code --verbose} ({@link ToolLogging}).
 */
final class ToolCommandLine {
    /** The exit code of every failed run (picocli's own for a bad option would be 2). */
    static final int USER_ERROR = 1;
    private static final String VERBOSE = "--verbose";

    private ToolCommandLine() {}

    /** The command line of {@code command} (a picocli {@code @Command}), its --help showing every option's default. */
    static CommandLine of(Object command) {
        CommandLine cli = new CommandLine(command);
        cli.getCommandSpec().usageMessage().showDefaultValues(true);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.getCommandSpec().addOption(OptionSpec.builder(VERBOSE).type(boolean.class)
                .description("Also show the library's INFO log lines (which kernels were chosen) on standard error.").build());
        cli.setExecutionStrategy(parsed -> {
            ToolLogging.configure(parsed.commandSpec().name(), parsed.hasMatchedOption(VERBOSE));
            OptionRanges.check(parsed);
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setParameterExceptionHandler((e, args) -> {
            String name = e.getCommandLine().getCommandSpec().name();
            report(e.getCommandLine().getErr(), name + ": " + e.getMessage() + " (see " + name + " --help)", e);
            return USER_ERROR;
        });
        cli.setExecutionExceptionHandler((e, failed, parsed) -> {
            String message = e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
            report(failed.getErr(), failed.getCommandSpec().name() + ": " + message, e);
            return USER_ERROR;
        });
        return cli;
    }

    /** Runs {@code command} on {@code args} and exits with its code: 0, or 1 after the one-line error. */
    static void main(Object command, String[] args) {
        int exit;
        try {
            exit = of(command).execute(args);
        } catch (RuntimeException | Error e) {                // a failure of picocli itself
            System.err.println(EventCodec.printable(command.getClass().getSimpleName() + ": " + e));
            exit = USER_ERROR;
        }
        System.exit(exit);
    }

    /** The message with its control characters (line breaks included) escaped: one line. */
    private static void report(PrintWriter err, String message, Throwable failure) {
        err.println(EventCodec.printable(message));
        if (Boolean.getBoolean("rnn.debug")) {
            failure.printStackTrace(err);
        }
        err.flush();
    }
}
