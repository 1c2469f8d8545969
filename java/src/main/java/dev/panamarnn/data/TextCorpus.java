package dev.panamarnn.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * A text corpus as one long token sequence over a {@link CharVocabulary}, split into a training
 * part and a held-out validation tail, and cut into B parallel streams for stateful truncated BPTT:
 * stream b reads the training tokens [b * L, (b + 1) * L) with L = length / B, window after window.
 */
public final class TextCorpus {
    /**
     * The most bytes of (decompressed) UTF-8 text a corpus file may hold, 1 GiB: its tokens take
     * four times that on the heap, and a larger file (or a gzip bomb) would otherwise fail with an
     * {@link OutOfMemoryError} instead of a message.
     */
    public static final int MAX_TEXT_BYTES = 1 << 30;

    private final CharVocabulary vocabulary;
    private final int[] tokens;
    private final int validationStart;

    private TextCorpus(CharVocabulary vocabulary, int[] tokens, double validationFraction) {
        this.vocabulary = vocabulary;
        this.tokens = tokens;
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + validationFraction);
        }
        this.validationStart = (int) Math.round(tokens.length * (1 - validationFraction));
    }

    /**
     * A corpus from text; the vocabulary is the text's characters.
     * @param validationFraction the share of tokens held out at the end, in [0, 1)
     * @throws IllegalArgumentException if the text is empty or the fraction is outside [0, 1)
     */
    public static TextCorpus of(String text, double validationFraction) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("the corpus is empty");
        }
        CharVocabulary vocabulary = CharVocabulary.of(text);
        return new TextCorpus(vocabulary, vocabulary.encode(text), validationFraction);
    }

    /**
     * Reads UTF-8 text (gzip-compressed when the name ends in .gz); malformed UTF-8 is an error.
     * @throws IOException if the file does not exist or cannot be read, is not valid UTF-8, holds
     *         more than {@link #MAX_TEXT_BYTES} bytes of text, or (.gz) is not valid gzip data —
     *         then a {@link java.util.zip.ZipException} or an {@link java.io.EOFException}
     */
    public static String readText(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("corpus file " + file + " does not exist or is not a file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return readText(in, file.getFileName().toString().endsWith(".gz"), file.toString());
        }
    }

    /**
     * Reads UTF-8 text from a stream (gunzipped first if {@code gzip}; several gzip members are read
     * one after the other) and closes it; {@code name} names it in messages.
     * @throws IOException as {@link #readText(Path)}
     */
    public static String readText(InputStream raw, boolean gzip, String name) throws IOException {
        try (InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
            byte[] bytes = in.readNBytes(MAX_TEXT_BYTES + 1);
            if (bytes.length > MAX_TEXT_BYTES) {
                throw new IOException(name + " holds more than " + MAX_TEXT_BYTES + " bytes of text"
                        + (gzip ? " once decompressed" : "") + "; a corpus is at most 1 GiB");
            }
            return utf8(bytes, name, gzip);
        }
    }

    /**
     * {@code bytes} decoded as UTF-8, or an IOException naming the input and the offset of the first
     * byte that is not part of a UTF-8 character (counted in the decompressed text of a gzip file).
     */
    private static String utf8(byte[] bytes, String name, boolean gzip) throws IOException {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);     // UTF-8 never gives more chars than bytes
        java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        java.nio.charset.CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            StringBuilder shown = new StringBuilder();
            for (int i = at; i < Math.min(bytes.length, at + result.length()); i++) {
                shown.append(shown.isEmpty() ? "" : " ").append(String.format("0x%02X", bytes[i] & 0xff));
            }
            throw new IOException(name + " is not valid UTF-8 text: the byte" + (result.length() > 1 ? "s" : "") + " at offset " + at
                    + (gzip ? " of its decompressed text" : "") + " (" + (result.length() > 1 ? "from " : "") + shown
                    + ") " + (result.length() > 1 ? "are" : "is") + " not a UTF-8 character; convert it to UTF-8 (e.g. iconv -t UTF-8)");
        }
        return out.flip().toString();
    }

    public CharVocabulary vocabulary() {
        return vocabulary;
    }

    /** All tokens (training part then validation tail). */
    public int[] tokens() {
        return tokens;
    }

    /** Number of training tokens (the first part). */
    public int trainingLength() {
        return validationStart;
    }

    /** Index of the first validation token. */
    public int validationStart() {
        return validationStart;
    }

    public int validationLength() {
        return tokens.length - validationStart;
    }
}
