package dev.panamarnn.service;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The library's log records for this module's tools, as on the {@code rnn} command line: the library
 * logs under names starting with "dev.panamarnn" through System.Logger, whose default backend is
 * java.util.logging. By default only warnings show (not the kernel-selection INFO line, so a failed
 * start is the one line of its error); {@code --verbose} shows INFO too. Each record is one line
 * on standard error: {@code panama-rnn-service: INFO: panama-rnn kernels: native; ...}.
 */
final class ToolLogging {
    /** Held strongly: java.util.logging keeps loggers only weakly, and a collected logger forgets its level. */
    private static final Logger LIBRARY = Logger.getLogger("dev.panamarnn");

    private ToolLogging() {}

    /** Records of the library as lines {@code tool: LEVEL: message}, INFO included only when {@code verbose}. */
    static synchronized void configure(String tool, boolean verbose) {
        for (var old : LIBRARY.getHandlers()) {
            LIBRARY.removeHandler(old);
        }
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(Level.ALL);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                String thrown = r.getThrown() == null ? "" : " (" + r.getThrown() + ")";
                return EventCodec.printable(tool + ": " + r.getLevel().getName() + ": " + formatMessage(r) + thrown) + System.lineSeparator();
            }
        });
        LIBRARY.setUseParentHandlers(false);
        LIBRARY.addHandler(handler);
        LIBRARY.setLevel(verbose ? Level.INFO : Level.WARNING);
    }
}
