package dev.panamarnn.examples.experiment;

import dev.panamarnn.options.Range;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options every experiment takes: the seed, the time budget and where its figures go. */
public final class ExperimentOptions {
    @Option(names = "--seed", defaultValue = "1", description = "Seed of every random choice (data, init, batches).")
    long seed;

    @Option(names = "--budget", defaultValue = "60", paramLabel = "SECONDS",
            description = "Wall-clock budget in seconds (shared out over the experiment's runs as its help says).")
    @Range(min = 0.1, max = 604800)
    double budgetSeconds;

    @Option(names = "--out", defaultValue = "experiments", paramLabel = "DIR",
            description = "Directory for the PNG figures and the results JSON.")
    Path outputDirectory;

    public long seed() {
        return seed;
    }

    /** The whole budget; a positive, finite number of seconds. */
    public Duration budget() {
        if (!(budgetSeconds > 0) || Double.isInfinite(budgetSeconds)) {
            throw new IllegalArgumentException("--budget must be a positive number of seconds, got " + budgetSeconds);
        }
        return Duration.ofNanos((long) (budgetSeconds * 1e9));
    }

    public Path outputDirectory() {
        return outputDirectory;
    }

    /** Before the experiment runs: the output directory can be written (else its figures would fail at the end). */
    public void requireWritableOutput() throws java.io.IOException {
        dev.panamarnn.examples.support.UserFiles.requireWritableDirectory(outputDirectory, "--out");
    }

    /** Sets the options programmatically (tests). */
    public static ExperimentOptions of(long seed, double budgetSeconds, Path outputDirectory) {
        ExperimentOptions options = new ExperimentOptions();
        options.seed = seed;
        options.budgetSeconds = budgetSeconds;
        options.outputDirectory = outputDirectory;
        return options;
    }
}
