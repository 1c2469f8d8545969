package dev.panamarnn.examples.experiment;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code rnn experiment}: runnable demonstrations of what recurrent networks are for. Each
 * subcommand takes a seed and a time budget, prints a results table and writes its figures (PNG)
 * and a JSON record of the numbers it printed; docs/experiments.md and the pages under docs/experiments/ show them with a reading.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Run an experiment: gradient flow, long-range memory, classification, forecasting, text, video, speech, translation.",
        subcommands = {GradientFlowCommand.class, MemoryTaskCommand.class, ClassifyCommand.class,
                ForecastExperimentCommand.class, TextExperimentCommand.class, VideoExperimentCommand.class,
                SpeechExperimentCommand.class, TranslateExperimentCommand.class})
public final class ExperimentCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
