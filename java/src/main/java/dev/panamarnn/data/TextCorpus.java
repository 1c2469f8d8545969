package dev.panamarnn.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
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

    /** A corpus from text; the vocabulary is the text's characters. */
    public static TextCorpus of(String text, double validationFraction) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("the corpus is empty");
        }
        CharVocabulary vocabulary = CharVocabulary.of(text);
        return new TextCorpus(vocabulary, vocabulary.encode(text), validationFraction);
    }

    /** Reads UTF-8 text (gzip-compressed when the name ends in .gz); malformed UTF-8 is an error. */
    public static String readText(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("corpus file " + file + " does not exist or is not a file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return readText(in, file.getFileName().toString().endsWith(".gz"), file.toString());
        }
    }

    public static String readText(InputStream raw, boolean gzip, String name) throws IOException {
        try (InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
            byte[] bytes = in.readAllBytes();
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new IOException(name + " is not valid UTF-8 text: " + e.getMessage(), e);
            }
        }
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
