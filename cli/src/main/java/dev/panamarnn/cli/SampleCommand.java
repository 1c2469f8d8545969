package dev.panamarnn.cli;

import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.model.SequenceModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rnn sample}: text from a trained character-level model. */
@Command(name = "sample", mixinStandardHelpOptions = true, description = "Generate text from a character-level model.")
final class SampleCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "A model file written by `rnn train text` or `rnn demo`.")
    Path model;
    @Option(names = "--prime", defaultValue = "And ", description = "Text to start from (default: '${DEFAULT-VALUE}').")
    String prime;
    @Option(names = "--length", defaultValue = "500")
    int length;
    @Option(names = "--temperature", defaultValue = "0.8")
    double temperature;
    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Override
    public Integer call() throws Exception {
        try (SequenceModel m = SequenceModel.load(model);
             CharSampler sampler = new CharSampler(m)) {
            System.out.println(sampler.sample(prime, length, temperature, seed));
        }
        return 0;
    }
}
