package dev.panamarnn.cli;

import dev.panamarnn.CellType;
import dev.panamarnn.examples.support.UserFiles;
import dev.panamarnn.model.ModelSpec;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * What keeps a long training run from being lost, shared by the training commands (a picocli mixin):
 * the output directory checked writable before training starts; checkpoints every N steps or every
 * so many seconds/minutes/hours ({@code --checkpoint-every}); a resume from a checkpoint
 * ({@code --resume}); and on SIGINT or SIGTERM a last checkpoint before the JVM exits.
 */
final class RunSafety {
    private static final Pattern INTERVAL = Pattern.compile("(\\d{1,9})(s|m|h)?");
    /** How long a signal waits for the last checkpoint to be written. */
    private static final Duration LAST_CHECKPOINT_WAIT = Duration.ofMinutes(2);

    @Option(names = "--checkpoint-every", paramLabel = "N|Ns|Nm|Nh",
            description = "Write a checkpoint (the model, optimizer state and position) every N steps, or every N seconds, "
                    + "minutes or hours (e.g. 500, 90s, 10m); default: none, only the final file and one on SIGINT/SIGTERM.")
    String checkpointEvery;

    @Option(names = "--resume", paramLabel = "FILE",
            description = "Continue the run saved in this checkpoint (a model file this command wrote), with the same data and options.")
    Path resume;

    /** The training command this mixin belongs to: which options the user gave. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean signalled;
    private Thread hook;
    private FileChannel lock;
    private Path lockFile;
    /** The file a run locks in its output directory. */
    static final String LOCK_FILE = ".rnn-run.lock";

    /**
     * Before anything is read or trained: the options are valid, the checkpoint to resume is a
     * regular file, and {@code out} exists and is writable.
     */
    void prepare(Path out) throws IOException {
        every();                                                  // parses --checkpoint-every, or says what is wrong
        if (resume != null && !Files.isRegularFile(resume)) {
            throw new IllegalArgumentException("--resume " + resume + " is not a regular file");
        }
        UserFiles.requireWritableDirectory(out, "--out");
    }

    /**
     * Creates the output directory, once the data are read and the model built: training is about to
     * start. The run takes the directory's lock file ({@value #LOCK_FILE}) until {@link #done()}, so a
     * second run writing there at the same time is refused instead of silently overwriting the first.
     */
    void create(Path out) throws IOException {
        Files.createDirectories(out);
        Path file = out.resolve(LOCK_FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock taken;
        try {
            taken = channel.tryLock();
        } catch (OverlappingFileLockException inThisJvm) {
            taken = null;
        }
        if (taken == null) {
            channel.close();
            throw new IllegalStateException("another run is writing to " + out + " (it holds " + file + "): wait for it to end or "
                    + "choose another --out");
        }
        lock = channel;
        lockFile = file;
    }

    /**
     * A resumed run continues the checkpoint's network: the options that shape it (--cell, --hidden,
     * --layers, --embedding, --dropout, --bidirectional, --head-hidden) are the checkpoint's unless the
     * user gave one on the command line, and one given with another value than the checkpoint's is
     * refused, naming the option, the value given and the checkpoint's, instead of silently ignored.
     * Returns {@code model}; closes it when refusing.
     */
    SequenceModel requireSameArchitecture(SequenceModel model) {
        ModelSpec spec = model.spec();
        Map<String, Object> saved = new LinkedHashMap<>();
        saved.put("--cell", spec.cell());
        saved.put("--hidden", spec.hiddenSize());
        saved.put("--layers", spec.layers());
        saved.put("--embedding", spec.embeddingDim());
        saved.put("--dropout", spec.dropout());
        saved.put("--bidirectional", spec.bidirectional());
        saved.put("--head-hidden", spec.headHidden());
        ParseResult parsed = command == null ? null : command.commandLine().getParseResult();
        for (Map.Entry<String, Object> option : saved.entrySet()) {
            if (parsed == null || command.findOption(option.getKey()) == null || !parsed.hasMatchedOption(option.getKey())) {
                continue;                                          // not given: the checkpoint's value holds
            }
            Object given = parsed.matchedOptionValue(option.getKey(), null);
            if (!same(given, option.getValue())) {
                model.close();
                throw new IllegalArgumentException("--resume " + resume + " is a run with " + option.getKey() + " " + shown(option.getValue())
                        + ", the command line gives " + option.getKey() + " " + shown(given) + ": drop " + option.getKey()
                        + " to continue the checkpoint's run, or start a new run without --resume");
            }
        }
        return model;
    }

    private static boolean same(Object given, Object saved) {
        return switch (saved) {
            case CellType cell -> given instanceof String id && cellOrNull(id) == cell;
            case Double d -> given instanceof Number n && Math.abs(n.doubleValue() - d) <= 1e-6;
            default -> Objects.equals(given, saved);
        };
    }

    private static CellType cellOrNull(String id) {
        try {
            return CellType.fromId(id);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String shown(Object value) {
        return value instanceof CellType cell ? cell.id() : PrintableText.of(String.valueOf(value));
    }

    /** How often --checkpoint-every asks for a checkpoint: every {@code steps} steps, or every {@code interval}. */
    private record Every(long steps, Duration interval) {}

    /** --checkpoint-every parsed, or null without it. */
    private Every every() {
        if (checkpointEvery == null) {
            return null;
        }
        Matcher m = INTERVAL.matcher(checkpointEvery.trim().toLowerCase(Locale.ROOT));
        if (!m.matches() || Long.parseLong(m.group(1)) < 1) {
            throw new IllegalArgumentException("--checkpoint-every must be N steps or N followed by s, m or h (N >= 1), e.g. 500 or 10m; got '"
                    + checkpointEvery.replaceAll("\\p{Cntrl}", "?") + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "" : m.group(2)) {
            case "s" -> new Every(0, Duration.ofSeconds(n));
            case "m" -> new Every(0, Duration.ofMinutes(n));
            case "h" -> new Every(0, Duration.ofHours(n));
            default -> new Every(n, null);
        };
    }

    /** The builder with the checkpoints --checkpoint-every asks for, to {@code file}. */
    Trainer.Builder checkpoints(Trainer.Builder builder, Path file) {
        Every every = every();
        if (every == null) {
            return builder;
        }
        return every.interval() != null ? builder.checkpoints(file, every.interval()) : builder.checkpoints(file, every.steps());
    }

    /**
     * From now until {@link #done}, SIGINT or SIGTERM ask {@code trainer} to stop after its current
     * step and wait (up to two minutes) for the command to write its last checkpoint.
     */
    void stopOnSignal(Trainer trainer) {
        hook = new Thread(() -> {
            signalled = true;
            trainer.stop();
            try {
                finished.await(LAST_CHECKPOINT_WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "rnn-last-checkpoint");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Whether a signal stopped the run (the command then writes its checkpoint and returns). */
    boolean signalled() {
        return signalled;
    }

    /** The command has written what it writes: a signal may let the JVM exit now. */
    void done() {
        finished.countDown();
        if (lock != null) {
            try (FileChannel released = lock) {
                Files.deleteIfExists(lockFile);
            } catch (IOException e) {
                // the lock goes with the process anyway
            }
            lock = null;
        }
        if (hook != null && !signalled) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting anyway
            }
        }
    }

    /** The one line a stopped run prints. */
    static void reportStopped(PrintStream out, Path checkpoint, String command) {
        out.println("stopped by a signal: checkpoint written to " + checkpoint + "; continue with " + command + " --resume " + checkpoint);
    }
}
