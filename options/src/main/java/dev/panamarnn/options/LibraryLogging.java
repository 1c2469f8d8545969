package dev.panamarnn.options;

import java.util.function.UnaryOperator;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The library's log records on a tool's standard error. The library logs through System.Logger (or
 * java.util.logging) under names starting with "dev.panamarnn"; System.Logger's default backend is
 * java.util.logging, so configuring that logger covers both. By default only warnings show (not the
 * kernel-selection INFO line, so a failed run is the one line of its error); {@code --verbose} shows
 * INFO too. Each record is one line: {@code rnn: INFO: panama-rnn kernels: native; ...}.
 */
public final class LibraryLogging {
    /** Held strongly: java.util.logging keeps loggers only weakly, and a collected logger forgets its level. */
    private static final Logger LIBRARY = Logger.getLogger("dev.panamarnn");

    private LibraryLogging() {}

    /**
     * Records of the library as lines {@code tool: LEVEL: message}, the message (and the exception
     * thrown, if any) through {@code oneLine}; INFO included only when {@code verbose}.
     */
    public static synchronized void configure(String tool, boolean verbose, UnaryOperator<String> oneLine) {
        for (var old : LIBRARY.getHandlers()) {
            LIBRARY.removeHandler(old);
        }
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(Level.ALL);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                String thrown = r.getThrown() == null ? "" : " (" + r.getThrown() + ")";
                return tool + ": " + r.getLevel().getName() + ": " + oneLine.apply(formatMessage(r) + thrown) + System.lineSeparator();
            }
        });
        LIBRARY.setUseParentHandlers(false);
        LIBRARY.addHandler(handler);
        LIBRARY.setLevel(verbose ? Level.INFO : Level.WARNING);
    }

    /** The level the library logs at now: WARNING, or INFO with --verbose. */
    public static Level level() {
        return LIBRARY.getLevel();
    }
}
