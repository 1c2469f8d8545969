package dev.panamarnn.options;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.util.Collection;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Checks the {@link Range} of every option of the commands a parse matched, after parsing (so
 * defaults are checked too) and before anything runs: one mechanism for every command instead of
 * a check in each. A value out of range is a {@link ParameterException} naming the option, its
 * range and the value: {@code --hidden must be in [1, 8192], got 100000}.
 */
public final class OptionRanges {
    private OptionRanges() {}

    /** Throws a ParameterException for the first option out of its range in {@code parsed} or its subcommands. */
    public static void check(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            for (OptionSpec option : p.commandSpec().options()) {
                if (option.userObject() instanceof Field field && field.getAnnotation(Range.class) != null) {
                    check(p.commandSpec().commandLine(), option, field.getAnnotation(Range.class), option.getValue());
                }
            }
        }
    }

    private static void check(CommandLine command, OptionSpec option, Range range, Object value) {
        if (value == null) {
            return;                                    // an optional option not given
        }
        if (value instanceof Collection<?> values) {
            for (Object v : values) {
                check(command, option, range, v);
            }
        } else if (value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                check(command, option, range, Array.get(value, i));
            }
        } else if (value instanceof Number n && !(n.doubleValue() >= range.min() && n.doubleValue() <= range.max())) {
            throw new ParameterException(command, option.longestName() + " must be in " + describe(range) + ", got " + n);
        }
    }

    /** {@code [1, 8192]}: whole numbers without a fraction, others as written. */
    public static String describe(Range range) {
        return "[" + number(range.min()) + ", " + number(range.max()) + "]";
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
