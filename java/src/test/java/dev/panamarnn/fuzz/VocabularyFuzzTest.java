package dev.panamarnn.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.panamarnn.data.CharVocabulary;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Fuzzes {@link CharVocabulary#deserialise}, the reader of the vocabulary string in a model file's
 * metadata (the input as UTF-8). Property: it is refused with the documented
 * {@link IllegalArgumentException}, or it is a vocabulary that serialises back to the same string,
 * numbers its characters 0..V-1 in code-point order and decodes its own encoding; anything else is
 * a finding. Seeds: VocabularyFuzzTestInputs/fuzz/ (docs/fuzzing.md).
 */
class VocabularyFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void fuzz(byte[] input) {
        String characters = new String(input, StandardCharsets.UTF_8);
        CharVocabulary vocabulary;
        try {
            vocabulary = CharVocabulary.deserialise(characters);
        } catch (IllegalArgumentException documented) {
            return;
        }
        assertEquals(characters, vocabulary.serialise());
        int[] codePoints = characters.codePoints().toArray();
        assertEquals(codePoints.length, vocabulary.size());
        int[] ids = vocabulary.encode(characters);
        for (int i = 0; i < ids.length; i++) {
            assertEquals(i, ids[i], "ids follow code-point order");
            assertEquals(codePoints[i], vocabulary.codePoint(i));
        }
        assertEquals(characters, vocabulary.decode(ids, 0, ids.length));
        assertEquals(-1, vocabulary.id(-1));
        assertTrue(Arrays.stream(codePoints).allMatch(cp -> vocabulary.id(cp) >= 0));
    }
}
