package dev.panamarnn.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.panamarnn.data.CharVocabulary;
import dev.panamarnn.data.TextCorpus;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Fuzzes {@link TextCorpus#readText} (plain UTF-8 and gzip) and {@link TextCorpus#of}: the lowest
 * bit of the first input byte says whether the rest is gzip-compressed. Property: the text is
 * refused with the documented {@link IOException} (bad UTF-8, bad gzip), or an empty text with
 * {@link IllegalArgumentException}, or it becomes a corpus whose tokens decode back to the text and
 * whose vocabulary survives serialise/deserialise; anything else is a finding.
 * Seeds: TextFuzzTestInputs/fuzz/ (docs/fuzzing.md).
 */
class TextFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void fuzz(byte[] input) {
        if (input.length == 0) {
            return;
        }
        boolean gzip = (input[0] & 1) != 0;
        String text;
        try {
            text = TextCorpus.readText(new ByteArrayInputStream(input, 1, input.length - 1), gzip, gzip ? "fuzz.txt.gz" : "fuzz.txt");
        } catch (IOException documented) {
            return;
        }
        TextCorpus corpus;
        try {
            corpus = TextCorpus.of(text, 0.25);
        } catch (IllegalArgumentException documented) {
            assertTrue(text.isEmpty(), "only an empty text is refused");
            return;
        }
        int[] tokens = corpus.tokens();
        assertEquals(text, corpus.vocabulary().decode(tokens, 0, tokens.length), "tokens decode back to the text");
        assertEquals(tokens.length, corpus.trainingLength() + corpus.validationLength());
        CharVocabulary again = CharVocabulary.deserialise(corpus.vocabulary().serialise());
        assertEquals(corpus.vocabulary().serialise(), again.serialise());
        assertArrayEquals(tokens, again.encode(text));
    }
}
