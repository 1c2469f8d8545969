package dev.panamarnn.service;

import dev.panamarnn.options.OneLineErrors;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command line of this module's tools ({@link ServiceMain}, {@link LoadGenerator},
 * {@link IdleFootprint}), as the {@code rnn} CLI does it ({@link OneLineErrors}): picocli options,
 * each numeric one checked against its {@link dev.panamarnn.options.Range} before the command runs,
 * and every user error (a bad option, a bad model file, a token model) one line
 * {@code <tool>: <problem>} on standard error with exit code 1. No stack trace unless
 * {@code -Drnn.debug=true}; the library's INFO log lines only with {@code --verbose}.
 */
final class ToolCommandLine {
    /** Errors with their control characters (line breaks included) escaped: one line. */
    private static final OneLineErrors ERRORS = new OneLineErrors(EventCodec::printable);

    private ToolCommandLine() {}

    /** The command line of {@code command} (a picocli {@code @Command}), its --help showing every option's default. */
    static CommandLine of(Object command) {
        CommandLine cli = new CommandLine(command);
        cli.getCommandSpec().usageMessage().showDefaultValues(true);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.getCommandSpec().addOption(OptionSpec.builder(OneLineErrors.VERBOSE).type(boolean.class)
                .description("Also show the library's INFO log lines (which kernels were chosen) on standard error.").build());
        return ERRORS.install(cli);
    }

    /** Runs {@code command} on {@code args} and exits with its code: 0, or 1 after the one-line error. */
    static void main(Object command, String[] args) {
        int exit;
        try {
            exit = of(command).execute(args);
        } catch (RuntimeException | Error e) {                // a failure of picocli itself
            System.err.println(EventCodec.printable(command.getClass().getSimpleName() + ": " + e));
            exit = OneLineErrors.USER_ERROR;
        }
        System.exit(exit);
    }
}
