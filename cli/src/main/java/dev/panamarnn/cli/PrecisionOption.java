package dev.panamarnn.cli;

import dev.panamarnn.infer.Precision;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --precision float32|int8|bf16}: the number format of the recurrent weights a command runs
 * with ({@link Precision}, docs/quantization.md). The model file stays float32; the weights are
 * quantized when the model is loaded for inference.
 */
final class PrecisionOption {
    @Option(names = "--precision", defaultValue = "float32", converter = Names.class,
            description = "Recurrent weights as float32, int8 (per-row scales, dynamic activations) or bf16; the state, "
                    + "biases, embedding and head stay float32 (default: ${DEFAULT-VALUE}).")
    Precision precision;

    /** The precision a command runs with. */
    Precision get() {
        return precision;
    }

    /** The name a user types for {@code p}: float32, int8, bf16. */
    static String name(Precision p) {
        return p.name().toLowerCase(Locale.ROOT);
    }

    /** A precision by its lower-case name (any case accepted), else an error listing the names. */
    static final class Names implements ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            for (Precision p : Precision.values()) {
                if (name(p).equalsIgnoreCase(value)) {
                    return p;
                }
            }
            throw new TypeConversionException("expected one of " + Arrays.stream(Precision.values()).map(PrecisionOption::name)
                    .collect(Collectors.joining(", ")) + ", got '" + value + "'");
        }
    }
}
