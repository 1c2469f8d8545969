package dev.panamarnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DataTest {
    @Test
    void vocabularyIsSortedAndRoundTrips() {
        CharVocabulary v = CharVocabulary.of("hello, wörld");
        assertEquals(" ,dehlorw\u00f6", v.serialise());
        int[] ids = v.encode("wörld");
        assertEquals("wörld", v.decode(ids, 0, ids.length));
        assertEquals(v.serialise(), CharVocabulary.deserialise(v.serialise()).serialise());
        var e = assertThrows(IllegalArgumentException.class, () -> v.encode("hex"));
        assertEquals("character 'x' (U+78) at position 2 is not in the vocabulary", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CharVocabulary.deserialise("ba"));
        var badId = assertThrows(IllegalArgumentException.class, () -> v.decode(new int[] {0, 10}, 0, 2));
        assertEquals("token id 10 is outside the vocabulary [0, 10)", badId.getMessage());
        assertThrows(IllegalArgumentException.class, () -> v.codePoint(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> v.decode(ids, 0, ids.length + 1));
    }

    @Test
    void corpusSplitsOffAValidationTail() {
        TextCorpus c = TextCorpus.of("abcdefghij", 0.2);
        assertEquals(8, c.trainingLength());
        assertEquals(2, c.validationLength());
        assertThrows(IllegalArgumentException.class, () -> TextCorpus.of("", 0.1));
    }

    @Test
    void malformedUtf8IsRejected() {
        byte[] bad = {'a', (byte) 0xC3, '(', 'b'};
        var e = assertThrows(IOException.class, () -> TextCorpus.readText(new ByteArrayInputStream(bad), false, "bad.txt"));
        assertTrue(e.getMessage().startsWith("bad.txt is not valid UTF-8 text"), e.getMessage());
    }

    @Test
    void csvSeriesAndItsErrors() throws IOException {
        TimeSeries s = TimeSeries.readCsv(stream("time,value\n1749.0,58\n1749.08,62.6\n"), "s.csv", "value");
        assertArrayEquals(new double[] {58, 62.6}, s.values());
        assertEquals("s.csv line 3: column 'value' is not a finite number: 'x'",
                assertThrows(IOException.class, () -> TimeSeries.readCsv(stream("time,value\n1,2\n2,x\n"), "s.csv", "value")).getMessage());
        assertEquals("s.csv has no column 'count'; columns are time, value",
                assertThrows(IOException.class, () -> TimeSeries.readCsv(stream("time,value\n1,2\n"), "s.csv", "count")).getMessage());
        assertEquals("s.csv line 2: expected 2 fields, got 3",
                assertThrows(IOException.class, () -> TimeSeries.readCsv(stream("time,value\n1,2,3\n"), "s.csv", "value")).getMessage());
        assertThrows(IOException.class, () -> TimeSeries.readCsv(stream(""), "s.csv", "value"));
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
