package dev.panamarnn.cli;

/**
 * Text that is safe to print on a terminal: every message the CLI prints about a failure goes
 * through {@link #of}, since messages quote untrusted input (CSV headers and values, corpus bytes,
 * file names, model metadata). Control characters (C0, DEL, C1 — escape sequences start with ESC
 * or CSI), format characters (bidirectional overrides) and unpaired surrogates become backslash-u
 * escapes, as the library's model-file messages write them; a very long message is cut. {@link #line}
 * also joins the lines of a message, for a one-line report.
 */
final class PrintableText {
    /** Characters of a message printed at most; the rest is counted, not printed. */
    static final int MAX_LENGTH = 2000;

    private PrintableText() {}

    /** {@code text} on one line: line breaks become spaces, then {@link #of}. */
    static String line(String text) {
        return of(text.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' '));
    }

    /** {@code text} with its line breaks kept and every other unprintable character escaped, as {@link #of} (a sample of generated text). */
    static String keepingLines(String text) {
        return String.join("\n", java.util.Arrays.stream(text.split("\n", -1)).map(PrintableText::of).toList());
    }

    static String of(String text) {
        return escaped(text, MAX_LENGTH);
    }

    /**
     * A CSV cell or column name from outside (a model file's class names, a column name) written to a
     * file or standard output: escaped as {@link #of}, never shortened.
     */
    static String cell(String text) {
        return escaped(text, Integer.MAX_VALUE);
    }

    private static String escaped(String text, int maxLength) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), MAX_LENGTH) + 16);
        int i = 0;
        for (; i < text.length() && sb.length() < maxLength; i++) {
            char c = text.charAt(i);
            boolean pairedHigh = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            if (pairedHigh) {
                sb.append(c).append(text.charAt(++i));
            } else if (unprintable(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return i < text.length() ? sb + "... (" + (text.length() - i) + " more characters)" : sb.toString();
    }

    private static boolean unprintable(char c) {
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }
}
