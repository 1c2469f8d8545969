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
    void malformedUtf8IsRejectedNamingTheOffset() throws IOException {
        byte[] bad = {'a', (byte) 0xC3, '(', 'b'};
        var e = assertThrows(IOException.class, () -> TextCorpus.readText(new ByteArrayInputStream(bad), false, "bad.txt"));
        assertEquals("bad.txt is not valid UTF-8 text: the byte at offset 1 (0xC3) is not a UTF-8 character; convert it to UTF-8 "
                + "(e.g. iconv -t UTF-8)", e.getMessage());
        byte[] latin1 = "caf\u00e9 au lait".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals("l.txt is not valid UTF-8 text: the byte at offset 3 (0xE9) is not a UTF-8 character; convert it to UTF-8 "
                + "(e.g. iconv -t UTF-8)", assertThrows(IOException.class,
                        () -> TextCorpus.readText(new ByteArrayInputStream(latin1), false, "l.txt")).getMessage());
        byte[] truncated = {'a', 'b', (byte) 0xE2, (byte) 0x82};             // the first two bytes of a three-byte character, then the end
        String end = assertThrows(IOException.class, () -> TextCorpus.readText(new ByteArrayInputStream(truncated), false, "t.txt"))
                .getMessage();
        assertTrue(end.startsWith("t.txt is not valid UTF-8 text: the byte") && end.contains(" at offset 2 (") && end.contains("0xE2"), end);
        assertEquals("ok \u00e9\u20ac\ud83d\ude00", assertDoesNotThrowText("ok \u00e9\u20ac\ud83d\ude00"));
    }

    private static String assertDoesNotThrowText(String text) throws IOException {
        return TextCorpus.readText(new ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)), false, "ok.txt");
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
