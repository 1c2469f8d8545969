package dev.panamarnn.options;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The closed range [min, max] of a numeric command-line option (of each element for a list or
 * array option), next to its {@code @Option}; {@link OptionRanges} checks every option of the
 * command about to run, its default included, before the command runs. NaN is in no range.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Range {
    double min();

    double max();
}
