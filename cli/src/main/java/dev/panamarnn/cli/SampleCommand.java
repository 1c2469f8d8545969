package dev.panamarnn.cli;

import dev.panamarnn.options.Range;
import dev.panamarnn.examples.support.UserFiles;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.model.SequenceModel;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rnn sample}: text from a trained character-level model, printed as it is generated. */
@Command(name = "sample", mixinStandardHelpOptions = true, description = "Generate text from a character-level model.")
final class SampleCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "A model file written by `rnn train text` or `rnn demo`.")
    Path model;
    @Option(names = "--prime", defaultValue = "And ", showDefaultValue = Visibility.NEVER,
            description = "Text to start from (default: '${DEFAULT-VALUE}').")
    String prime;
    @Option(names = "--length", defaultValue = "500", description = "Characters to generate, printed as they are made.")
    @Range(min = 0, max = 10_000_000)
    int length;
    @Option(names = "--temperature", defaultValue = "0.8", description = "Softmax temperature (0: always the most likely character).")
    @Range(min = 0, max = 100)
    double temperature;
    @Option(names = "--seed", defaultValue = "1", description = "Seed of every random choice.")
    long seed;
    @Mixin
    PrecisionOption precision;

    @Override
    public Integer call() throws Exception {
        try (SequenceModel m = SequenceModel.load(UserFiles.regularFile(model, "model file"));
             CharSampler sampler = ModelFiles.interpret(model, () -> new CharSampler(m, precision.get()))) {
            requireKnown(prime, m.spec().classNames());
            Writer out = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
            out.write(prime);                                  // its characters are the model's (checked above)
            int[] written = {0};
            try {
                sampler.sample(prime, length, temperature, seed, codePoint -> {
                    try {
                        if (Character.isBmpCodePoint(codePoint)) {
                            out.write(codePoint);
                        } else {
                            out.write(Character.toChars(codePoint));
                        }
                        if (++written[0] % FLUSH_EVERY == 0) {
                            out.flush();
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            out.write(System.lineSeparator());
            out.flush();
        }
        return 0;
    }

    /** Characters between flushes: a terminal sees text within a moment, a pipe is not flushed per character. */
    private static final int FLUSH_EVERY = 64;

    /** Every character of the prime is one the model knows (its class names), else an error naming --prime, which may be the default. */
    private static void requireKnown(String prime, java.util.List<String> characters) {
        int[] cps = prime.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            String c = new String(Character.toChars(cps[i]));
            if (!characters.contains(c)) {
                throw new IllegalArgumentException("--prime '" + prime + "': character '" + c + "' (U+" + Integer.toHexString(cps[i])
                        .toUpperCase(java.util.Locale.ROOT) + ") at position " + i + " is not one of the " + characters.size()
                        + " characters the model knows; start from characters of the text it was trained on");
            }
        }
    }
}
