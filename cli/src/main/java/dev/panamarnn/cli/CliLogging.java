package dev.panamarnn.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The library's log records on the command line. The library logs through System.Logger (or
 * java.util.logging) under names starting with "dev.panamarnn"; System.Logger's default backend is
 * java.util.logging, so configuring that logger covers both. By default only warnings show (the
 * kernel-selection INFO line does not); {@code --verbose} shows everything down to INFO. Each
 * record is one line on standard error: {@code rnn: INFO: panama-rnn kernels: native; ...}.
 */
final class CliLogging {
    static final String LIBRARY = "dev.panamarnn";
    /** Held strongly: java.util.logging keeps loggers only weakly, and a collected logger forgets its level. */
    private static final Logger LOGGER = Logger.getLogger(LIBRARY);
    private static final ConsoleHandler HANDLER = new ConsoleHandler();

    static {
        HANDLER.setLevel(Level.ALL);
        HANDLER.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                String message = formatMessage(r);
                String thrown = r.getThrown() == null ? "" : " (" + r.getThrown() + ")";
                return "rnn: " + r.getLevel().getName() + ": " + PrintableText.line(message + thrown) + System.lineSeparator();
            }
        });
        LOGGER.setUseParentHandlers(false);
        LOGGER.addHandler(HANDLER);
    }

    private CliLogging() {}

    /** Quiet (warnings and errors only) or, with {@code verbose}, INFO records too. */
    static void configure(boolean verbose) {
        LOGGER.setLevel(verbose ? Level.INFO : Level.WARNING);
    }

    static Level level() {
        return LOGGER.getLevel();
    }
}
