package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.RuntimeInfo;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.examples.support.EmbeddedData;
import dev.panamarnn.examples.support.NetworkSize;
import dev.panamarnn.examples.support.Plots;
import dev.panamarnn.options.Range;
import dev.panamarnn.examples.support.UserFiles;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import java.awt.Color;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code rnn experiment text}: vanilla RNN (tanh), LSTM and GRU as character-level language models
 * on the same corpus, sized to the same parameter count and given the same training time, scored in
 * bits per character on a fixed held-out slice — at equal time and at equal steps, so speed and
 * sample efficiency show separately — next to the uniform and unigram baselines; learning curves
 * (PNG) and samples at several temperatures.
 *
 * <p>The cells train in turn, one window each, always the one with the least training time next
 * (the first phase in lock-step, until the slowest has used its share: that is the equal-steps
 * point), so a change in the machine's load falls on all of them alike. Only training steps run on
 * a cell's clock; evaluation and sampling are extra.
 */
@Command(name = "text", mixinStandardHelpOptions = true, defaultValueProvider = TextExperimentCommand.Defaults.class,
        description = {
            "Character-level language models: RNN (tanh), LSTM and GRU at equal parameter count and equal training time.",
            "The budget is training time, split equally over the three cells (evaluation and sampling come on top, "
                    + "about 10-15%%). Prints bits per character on a fixed held-out slice at equal time and at equal "
                    + "steps, the uniform and unigram baselines, and samples; writes text-bpc-vs-time.png, "
                    + "text-bpc-vs-step.png and text.json to --out."})
public final class TextExperimentCommand implements Callable<Integer> {
    /** The cells compared, in table order. */
    static final List<CellType> CELLS = List.of(CellType.RNN_TANH, CellType.LSTM, CellType.GRU);
    static final double[] TEMPERATURES = {0.5, 0.8, 1.0, 1.2};
    static final double VALIDATION_FRACTION = 0.05;      // the held-out tail, as `rnn train text`
    static final int EVALUATIONS_PER_RUN = 8;            // at 1/8, 2/8, ... of each cell's time share
    private static final Map<CellType, Color> COLORS = Map.of(
            CellType.RNN_TANH, new Color(0x2ca02c), CellType.LSTM, new Color(0x1f77b4), CellType.GRU, new Color(0xd62728));

    /** --budget defaults to 240 s here (the shared option's 60 s is too little for three language models). */
    public static final class Defaults implements CommandLine.IDefaultValueProvider {
        @Override
        public String defaultValue(CommandLine.Model.ArgSpec argument) {
            return argument instanceof CommandLine.Model.OptionSpec o && "--budget".equals(o.longestName()) ? "240" : null;
        }
    }

    @Mixin
    ExperimentOptions options;

    @Option(names = "--corpus", paramLabel = "FILE", description = "UTF-8 text (.gz allowed); default: the embedded King James Bible.")
    Path corpus;
    @Option(names = "--hidden", paramLabel = "N", defaultValue = "128",
            description = "LSTM hidden size; the RNN and GRU get the hidden size with the nearest parameter count.")
    @Range(min = 1, max = 4096)
    int lstmHidden;
    @Option(names = "--embedding", paramLabel = "N", defaultValue = "32", description = "Character embedding size.")
    @Range(min = 1, max = 4096)
    int embedding;
    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Parallel streams per step.")
    @Range(min = 1, max = 4096)
    int batch;
    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "64", description = "Window of truncated BPTT.")
    @Range(min = 1, max = 100000)
    int window;
    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "3e-3", description = "AdamW learning rate after 100 warm-up steps, the same for every cell.")
    @Range(min = 1e-9, max = 10)
    double learningRate;
    @Option(names = "--held-out-windows", paramLabel = "N", defaultValue = "16",
            description = "Held-out slice: this many windows per stream, i.e. batch * windows * seq-len + 1 characters.")
    @Range(min = 1, max = 1000000)
    int heldOutWindows;
    @Option(names = "--sample-length", paramLabel = "N", defaultValue = "240", description = "Characters per sample.")
    @Range(min = 0, max = 1000000)
    int sampleLength;
    @Option(names = "--blas-threads", paramLabel = "N", defaultValue = "1",
            description = "OpenBLAS threads (these matrices are small, and extra threads measure the machine's load more than the cells).")
    @Range(min = 1, max = 1024)
    int blasThreads;

    @Override
    public Integer call() throws Exception {
        options.requireWritableOutput();
        String text = corpus == null ? EmbeddedData.kjv() : UserFiles.readText(corpus);
        String name = corpus == null ? "the King James Bible (embedded)" : corpus.getFileName().toString();
        run(text, name, System.out);
        return 0;
    }

    /** The whole experiment on {@code text}; returns the report it printed and wrote. */
    ExperimentReport run(String text, String corpusName, PrintStream out) throws java.io.IOException {
        long wallStart = System.nanoTime();
        long budgetNanos = options.budget().toNanos();
        if (lstmHidden < 1 || embedding < 1 || batch < 1 || window < 1 || sampleLength < 0 || !(learningRate > 0)) {
            throw new IllegalArgumentException("need --hidden, --embedding, --batch, --seq-len >= 1, --sample-length >= 0 "
                    + "and --lr > 0; got " + lstmHidden + ", " + embedding + ", " + batch + ", " + window + ", "
                    + sampleLength + ", " + learningRate);
        }
        NetworkSize.of(CellType.LSTM, embedding, lstmHidden, 1, false, 256, 256, embedding, batch, window)  // a vocabulary of 256 assumed
                .requireTrainable("--hidden " + lstmHidden + " --embedding " + embedding + " --batch " + batch + " --seq-len " + window);
        Kernels kernels = KernelSelection.selected();
        boolean nativeKernels = RuntimeInfo.current().nativeStatus() != null;
        if (nativeKernels) {
            RuntimeInfo.setBlasThreads(blasThreads);
        }
        TextCorpus data = TextCorpus.of(text, VALIDATION_FRACTION);
        TextHeldOut heldOut = new TextHeldOut(data, batch, window, heldOutWindows);
        SequenceDataset train = heldOut.training();
        int vocabulary = data.vocabulary().size();

        // baselines on the held-out slice's scored characters
        int[] scored = heldOut.scoredPositions();
        double[] unigram = TextMetrics.unigram(data.tokens(), 0, data.trainingLength(), vocabulary);
        double unigramBpc = TextMetrics.unigramBitsPerCharacter(unigram, data.tokens(), scored);
        double uniformBpc = Math.log(vocabulary) / Math.log(2);

        // equal parameter count: the LSTM's hidden size is the reference
        long reference = TextSizing.parameterCount(CellType.LSTM, vocabulary, embedding, lstmHidden, 1);
        Map<CellType, Integer> hidden = new LinkedHashMap<>();
        for (CellType cell : CELLS) {
            hidden.put(cell, cell == CellType.LSTM ? lstmHidden
                    : TextSizing.hiddenForParameterCount(cell, vocabulary, embedding, 1, reference));
        }
        long shareNanos = budgetNanos / CELLS.size();
        out.printf("corpus %s: %,d characters, vocabulary %d; training split %,d, held-out slice %,d (of a %,d tail); kernels %s%s%n",
                corpusName, data.tokens().length, vocabulary, data.trainingLength(), heldOut.characters(),
                data.validationLength(), kernels.name(), nativeKernels ? ", OpenBLAS threads " + blasThreads : "");
        out.printf("unigram: the training split's characters have an entropy of %.3f bits; its frequencies cost %.3f bits per "
                + "character on the held-out slice%n", TextMetrics.entropyBits(unigram), unigramBpc);
        out.printf("each cell trains %.1f s: windows of %d x %d streams, embedding %d, 1 layer, AdamW lr %s (100 warm-up steps), clip 1.0%n",
                shareNanos / 1e9, window, batch, embedding, learningRate);

        TextCellRun.Settings settings = new TextCellRun.Settings(embedding, batch, window, learningRate, 100, 1.0, 0.01,
                options.seed());
        warmUp(hidden, data, train, kernels, settings);
        List<TextCellRun> runs = new ArrayList<>();
        try {
            for (CellType cell : CELLS) {
                runs.add(new TextCellRun(cell, hidden.get(cell), data.vocabulary(), train, kernels, settings));
            }
            Map<TextCellRun, TextCellRun.Point> atEqualSteps = new LinkedHashMap<>();
            race(runs, heldOut, shareNanos, atEqualSteps, out);
            ExperimentReport report = report(runs, atEqualSteps, data, heldOut, reference, uniformBpc, unigramBpc,
                    shareNanos / 1e9, corpusName, nativeKernels);
            Path dir = options.outputDirectory();
            report.figure(plot(dir.resolve("text-bpc-vs-time.png"), runs, true, unigramBpc));
            report.figure(plot(dir.resolve("text-bpc-vs-step.png"), runs, false, unigramBpc));
            report.print(out);

            String prime = text.contains("And ") ? "And "      // the default corpus; else its first characters
                    : text.substring(0, text.offsetByCodePoints(0, Math.min(4, text.codePointCount(0, text.length()))));
            List<List<String>> samples = samples(runs, prime, out);
            report.setting("sample_prime", prime).setting("sample_length", sampleLength);
            report.table("Samples", List.of("cell", "temperature", "text"), samples);
            report.table("Learning curves (held-out slice)", List.of("cell", "step", "training seconds", "bits per character"),
                    curves(runs));
            double wall = (System.nanoTime() - wallStart) / 1e9;
            report.setting("wall_seconds", Math.round(wall * 10) / 10.0);
            Path json = report.writeJson(dir);
            out.printf("%nresults written to %s; %.0f s in all: %.0f s training, %.0f s held-out evaluation, the rest "
                            + "warm-up, sampling and figures%n", json, wall,
                    runs.stream().mapToDouble(TextCellRun::trainingSeconds).sum(),
                    runs.stream().mapToDouble(TextCellRun::evaluationSeconds).sum());
            return report;
        } finally {
            for (TextCellRun run : runs) {
                run.close();
            }
        }
    }

    /**
     * A few untimed windows and one short evaluation of a throwaway copy of each cell, so that the
     * JIT's compile time is charged to no cell's clock (else the cell that goes first pays for it).
     */
    private void warmUp(Map<CellType, Integer> hidden, TextCorpus data, SequenceDataset train, Kernels kernels,
                        TextCellRun.Settings settings) {
        TextHeldOut shortSlice = new TextHeldOut(data, batch, window, 1);
        for (CellType cell : CELLS) {
            try (TextCellRun run = new TextCellRun(cell, hidden.get(cell), data.vocabulary(), train, kernels, settings)) {
                for (int i = 0; i < 5; i++) {
                    run.trainStep();
                }
                run.evaluate(shortSlice);
            }
        }
    }

    /**
     * Phase 1: every cell one window in turn (lock-step) until one has used its time share — all
     * stand at the same step S, scored there. Phase 2: the cell with the least training time takes
     * the next window until each has used its share, scored at the end. Along the way each cell is
     * scored when its clock passes 1/8, 2/8, ... of the share.
     */
    private static void race(List<TextCellRun> runs, TextHeldOut heldOut, long shareNanos,
                             Map<TextCellRun, TextCellRun.Point> atEqualSteps, PrintStream out) {
        double share = shareNanos / 1e9;
        Map<TextCellRun, Integer> nextEvaluation = new LinkedHashMap<>();
        for (TextCellRun run : runs) {
            nextEvaluation.put(run, 1);
        }
        boolean phaseOne = true;
        while (phaseOne) {
            for (TextCellRun run : runs) {
                run.trainStep();
                evaluateIfDue(run, heldOut, share, nextEvaluation, out);
            }
            phaseOne = runs.stream().allMatch(r -> r.trainingSeconds() < share);
        }
        for (TextCellRun run : runs) {
            atEqualSteps.put(run, log(run, run.evaluate(heldOut), "equal steps", out));
        }
        List<TextCellRun> going = new ArrayList<>(runs.stream().filter(r -> r.trainingSeconds() < share).toList());
        while (!going.isEmpty()) {
            TextCellRun next = going.getFirst();
            for (TextCellRun run : going) {
                if (run.trainingSeconds() < next.trainingSeconds()) {
                    next = run;
                }
            }
            next.trainStep();
            if (next.trainingSeconds() >= share) {
                log(next, next.evaluate(heldOut), "end", out);
                going.remove(next);
            } else {
                evaluateIfDue(next, heldOut, share, nextEvaluation, out);
            }
        }
    }

    private static void evaluateIfDue(TextCellRun run, TextHeldOut heldOut, double share,
                                      Map<TextCellRun, Integer> nextEvaluation, PrintStream out) {
        int k = nextEvaluation.get(run);
        if (k < EVALUATIONS_PER_RUN && run.trainingSeconds() >= share * k / EVALUATIONS_PER_RUN) {
            log(run, run.evaluate(heldOut), "", out);
            while (k < EVALUATIONS_PER_RUN && run.trainingSeconds() >= share * k / EVALUATIONS_PER_RUN) {
                k++;
            }
            nextEvaluation.put(run, k);
        }
    }

    private static TextCellRun.Point log(TextCellRun run, TextCellRun.Point p, String note, PrintStream out) {
        out.printf("  %-8s step %6d  %6.1f s training  held-out %.3f bpc  %s%n", run.cell().id(), p.step(),
                p.trainingSeconds(), p.bitsPerCharacter(), note);
        return p;
    }

    private ExperimentReport report(List<TextCellRun> runs, Map<TextCellRun, TextCellRun.Point> atEqualSteps,
                                    TextCorpus data, TextHeldOut heldOut, long reference, double uniformBpc,
                                    double unigramBpc, double share, String corpusName, boolean nativeKernels) {
        ExperimentReport report = new ExperimentReport("text", options);
        report.setting("corpus", corpusName).setting("corpus_characters", data.tokens().length)
                .setting("vocabulary", data.vocabulary().size()).setting("training_characters", data.trainingLength())
                .setting("held_out_slice_characters", heldOut.characters())
                .setting("held_out_scored_characters", heldOut.scoredPositions().length)
                .setting("embedding", embedding).setting("layers", 1).setting("batch", batch).setting("window", window)
                .setting("optimizer", "AdamW lr " + learningRate + ", 100 warm-up steps, betas 0.9/0.999, weight decay 0.01, clip 1.0")
                .setting("unigram_training_entropy_bits", TextMetrics.entropyBits(
                        TextMetrics.unigram(data.tokens(), 0, data.trainingLength(), data.vocabulary().size())))
                .setting("training_seconds_per_cell", share)
                .setting("kernels", KernelSelection.selected().name())
                .setting("blas_threads", nativeKernels ? blasThreads : 0);

        List<List<String>> sizes = new ArrayList<>();
        for (TextCellRun run : runs) {
            sizes.add(List.of(run.cell().id(), Integer.toString(run.hidden()),
                    String.format("%,d", TextSizing.recurrentParameterCount(run.cell(), embedding, run.hidden(), 1)),
                    String.format("%,d", run.parameters()),
                    String.format("%+.1f%%", 100.0 * (run.parameters() - reference) / reference)));
        }
        report.table("Equal parameter count (embedding " + embedding + ", 1 layer, V = " + data.vocabulary().size() + ")",
                List.of("cell", "hidden", "recurrent parameters", "all parameters", "vs LSTM"), sizes);

        long equalSteps = atEqualSteps.values().iterator().next().step();
        report.setting("equal_steps", equalSteps);
        List<List<String>> results = new ArrayList<>();
        for (TextCellRun run : runs) {
            TextCellRun.Point end = run.last(), same = atEqualSteps.get(run);
            results.add(List.of(run.cell().id(), Long.toString(run.steps()), String.format("%.1f", run.trainingSeconds()),
                    String.format("%,.0f", run.charactersPerSecond()), String.format("%.3f", end.bitsPerCharacter()),
                    String.format("%.1f", same.trainingSeconds()), String.format("%.3f", same.bitsPerCharacter())));
            if (run.skippedSteps() > 0) {
                report.setting("skipped_non_finite_steps_" + run.cell().id(), run.skippedSteps());
            }
        }
        String dash = "—";
        results.add(List.of("unigram (training-split frequencies)", dash, dash, dash, String.format("%.3f", unigramBpc),
                dash, String.format("%.3f", unigramBpc)));
        results.add(List.of("uniform (log2 " + data.vocabulary().size() + ")", dash, dash, dash,
                String.format("%.3f", uniformBpc), dash, String.format("%.3f", uniformBpc)));
        report.table(String.format("Held-out bits per character: equal time (%.1f s of training each) and equal steps (%d steps each)",
                        share, equalSteps),
                List.of("cell", "steps", "training s", "characters/s", "bpc at equal time",
                        "training s to " + equalSteps + " steps", "bpc at " + equalSteps + " steps"), results);
        return report;
    }

    private List<List<String>> samples(List<TextCellRun> runs, String prime, PrintStream out) {
        out.printf("%n### Samples (prime \"%s\", %d characters, seed %d)%n", prime, sampleLength, options.seed());
        List<List<String>> rows = new ArrayList<>();
        for (TextCellRun run : runs) {
            for (double temperature : TEMPERATURES) {
                String sample = run.sample(prime, sampleLength, temperature, options.seed());
                out.printf("%n%s, temperature %.1f:%n```%n%s%n```%n", run.cell().id(), temperature, sample);
                rows.add(List.of(run.cell().id(), Double.toString(temperature), sample));
            }
        }
        return rows;
    }

    private static List<List<String>> curves(List<TextCellRun> runs) {
        List<List<String>> rows = new ArrayList<>();
        for (TextCellRun run : runs) {
            for (TextCellRun.Point p : run.curve()) {
                rows.add(List.of(run.cell().id(), Long.toString(p.step()), String.format("%.2f", p.trainingSeconds()),
                        String.format("%.4f", p.bitsPerCharacter())));
            }
        }
        return rows;
    }

    /** Held-out bpc against training time ({@code byTime}) or step, one line per cell. */
    private static Path plot(Path file, List<TextCellRun> runs, boolean byTime, double unigramBpc)
            throws java.io.IOException {
        List<Plots.Line> lines = new ArrayList<>();
        for (TextCellRun run : runs) {
            List<TextCellRun.Point> curve = run.curve();
            double[] x = new double[curve.size()], y = new double[curve.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = byTime ? curve.get(i).trainingSeconds() : curve.get(i).step();
                y[i] = curve.get(i).bitsPerCharacter();
            }
            lines.add(new Plots.Line(run.cell().id() + " (H " + run.hidden() + ")", x, y, COLORS.get(run.cell())));
        }
        // the unigram baseline goes in the title, not as a line: far above the curves, it would flatten them
        Plots.lines(file, String.format("Held-out bits per character at equal parameter count (unigram baseline %.3f)", unigramBpc),
                byTime ? "training time (s)" : "training step", "bits per character", lines);
        return file;
    }
}
