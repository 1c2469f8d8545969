package dev.panamarnn.cli;

import dev.panamarnn.options.OneLineErrors;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What a failed command says after {@code rnn <command>: } (the line itself is
 * {@link dev.panamarnn.options.OneLineErrors}'s, through {@link PrintableText#line}). An exception's
 * own message is the message; errors of the JVM (out of memory, stack overflow) say what happened
 * and what to reduce.
 */
final class FailureMessage {
    /** Options that size what a command allocates: an OutOfMemoryError names those the command has. */
    private static final List<String> SIZES = List.of("--hidden", "--layers", "--embedding", "--batch", "--seq-len", "--window",
            "--length", "--sequences", "--train", "--test", "--held-out-windows", "--lstm-hidden", "--clip-hidden");

    private FailureMessage() {}

    static String describe(CommandSpec command, Throwable failure) {
        return switch (failure) {
            case OutOfMemoryError e -> "out of memory (" + e.getMessage() + "): " + reduce(command)
                    + " or give the JVM more memory (e.g. JAVA_TOOL_OPTIONS=-Xmx8g)";
            case StackOverflowError e -> "stack overflow (a deeply nested or recursive input?); run with -Drnn.debug=true for the stack trace";
            case VirtualMachineError e -> "the JVM failed: " + e;
            default -> OneLineErrors.message(failure);
        };
    }

    private static String reduce(CommandSpec command) {
        List<String> options = SIZES.stream().filter(o -> command.findOption(o) != null).toList();
        return options.isEmpty() ? "use smaller inputs" : "reduce " + String.join(", ", options) + " or the data";
    }
}
