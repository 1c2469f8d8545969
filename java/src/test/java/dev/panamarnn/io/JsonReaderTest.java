package dev.panamarnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The strict JSON reader and writer of the safetensors header: accepted documents, every kind of
 * rejected one, and differential tests against the JDK's strict UTF-8 decoder and against Jackson
 * (a JSON library nobody here wrote) on thousands of seeded random inputs.
 */
class JsonReaderTest {

    static Object parse(String text) throws JsonFormatException {
        return JsonReader.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsObjectsArraysStringsAndIntegers() throws JsonFormatException {
        Object tree = parse(" \t\r\n{ \"b\" : [ 1 , -2 , 0 , -0 , 9223372036854775807 , -9223372036854775808 ] ,"
                + " \"a\" : { } , \"c\" : [ ] , \"d\" : \"x\" , \"\" : [[[]]] } \n ");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("b", List.of(1L, -2L, 0L, 0L, Long.MAX_VALUE, Long.MIN_VALUE));
        expected.put("a", Map.of());
        expected.put("c", List.of());
        expected.put("d", "x");
        expected.put("", List.of(List.of(List.of())));
        assertEquals(expected, tree);
        assertEquals(List.of("b", "a", "c", "d", ""), new ArrayList<>(((Map<?, ?>) tree).keySet()), "key order is kept");
        assertEquals("top", parse("\"top\""));
        assertEquals(42L, parse("42"));
    }

    @Test
    void decodesEveryEscapeAndUtf8() throws JsonFormatException {
        assertEquals("\" \\ / \b \f \n \r \t A \u00e9 \u20ac \uD83D\uDE00 \u0000 \uFFFF",
                parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00E9 \\u20ac \\ud83d\\ude00 \\u0000 \\uFFFF\""));
        assertEquals("\u00e9\u20ac\uD83D\uDE00\u007f", parse("\"\u00e9\u20ac\uD83D\uDE00\u007f\""));
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("", "unexpected end of the header, expected a value"),
                Arguments.of("   ", "unexpected end of the header"),
                Arguments.of("true", "true, false and null are not allowed"),
                Arguments.of("[false]", "true, false and null are not allowed"),
                Arguments.of("{\"a\":null}", "true, false and null are not allowed"),
                Arguments.of("1.0", "only integers are allowed"),
                Arguments.of("1e3", "only integers are allowed"),
                Arguments.of("1E3", "only integers are allowed"),
                Arguments.of("-", "unexpected end of the header, expected the digits of a number"),
                Arguments.of("-a", "expected a digit after '-', found 'a'"),
                Arguments.of("+1", "expected a value, found '+'"),
                Arguments.of("01", "leading zeros are not allowed"),
                Arguments.of("-01", "leading zeros are not allowed"),
                Arguments.of("9223372036854775808", "integer out of range"),
                Arguments.of("-9223372036854775809", "integer out of range"),
                Arguments.of("99999999999999999999999", "integer out of range"),
                Arguments.of("[1,]", "trailing comma before ']'"),
                Arguments.of("{\"a\":1,}", "trailing comma before '}'"),
                Arguments.of("[,1]", "expected a value, found ','"),
                Arguments.of("[1 2]", "expected ',' or ']' in an array, found '2'"),
                Arguments.of("{\"a\" 1}", "expected ':' after key \"a\", found '1'"),
                Arguments.of("{1:2}", "expected a string key, found '1'"),
                Arguments.of("{\"a\":1 \"b\":2}", "expected ',' or '}' in an object"),
                Arguments.of("[1}", "expected ',' or ']' in an array, found '}'"),
                Arguments.of("{\"a\":1]", "expected ',' or '}' in an object, found ']'"),
                Arguments.of("[1] [2]", "unexpected '[' after the end of the JSON value"),
                Arguments.of("{} x", "unexpected 'x' after the end of the JSON value"),
                Arguments.of("{\"a\":1,\"a\":2}", "duplicate key \"a\""),
                Arguments.of("\"abc", "unterminated string"),
                Arguments.of("\"a\nb\"", "control character 0x0A inside a string must be escaped"),
                Arguments.of("\"a\u0000b\"", "control character 0x00"),
                Arguments.of("\"\\x\"", "invalid escape '\\x'"),
                Arguments.of("\"\\'\"", "invalid escape '\\''"),
                Arguments.of("\"\\u12g4\"", "expected a hex digit in a \\u escape, found 'g'"),
                Arguments.of("\"\\u12\"", "expected a hex digit in a \\u escape, found '\"'"),
                Arguments.of("\"\\ud800\"", "unpaired surrogate \\ud800"),
                Arguments.of("\"\\ud800\\u0041\"", "unpaired surrogate \\ud800"),
                Arguments.of("\"\\udc00\\ud800\"", "unpaired surrogate \\udc00"),
                Arguments.of("'a'", "expected a value, found '''"),
                Arguments.of("\u00a0{}", "expected a value, found byte 0xC2"),
                Arguments.of("{}\u000b", "unexpected byte 0x0B after the end of the JSON value"),
                Arguments.of("[".repeat(JsonReader.MAX_DEPTH + 1) + "]".repeat(JsonReader.MAX_DEPTH + 1), "nested deeper than 32"),
                Arguments.of("[".repeat(1_000_000), "nested deeper than 32"),
                Arguments.of("{\"a\":".repeat(100_000), "nested deeper than 32"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalid")
    void rejects(String text, String fragment) {
        JsonFormatException e = assertThrows(JsonFormatException.class, () -> parse(text));
        assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
        assertTrue(e.getMessage().contains("(at header byte "), e.getMessage());
    }

    @Test
    void maximumDepthIsAccepted() throws JsonFormatException {
        int d = JsonReader.MAX_DEPTH;
        Object tree = parse("[".repeat(d) + "]".repeat(d));
        for (int i = 1; i < d; i++) {
            tree = ((List<?>) tree).get(0);
        }
        assertEquals(List.of(), tree);
    }

    @Test
    void invalidUtf8IsRejectedWithTheOffendingByte() {
        int[][] bad = {
            {0x80}, {0xBF}, {0xC0, 0x80}, {0xC1, 0xBF}, {0xC2}, {0xC2, 0x41}, {0xE0, 0x80, 0x80}, {0xE0, 0x9F, 0xBF},
            {0xED, 0xA0, 0x80}, {0xED, 0xBF, 0xBF}, {0xF0, 0x80, 0x80, 0x80}, {0xF0, 0x8F, 0xBF, 0xBF},
            {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80}, {0xFE}, {0xFF}, {0xE2, 0x82}, {0xF0, 0x9F, 0x98},
        };
        for (int[] seq : bad) {
            byte[] text = new byte[seq.length + 2];
            text[0] = '"';
            for (int i = 0; i < seq.length; i++) {
                text[i + 1] = (byte) seq[i];
            }
            text[text.length - 1] = '"';
            JsonFormatException e = assertThrows(JsonFormatException.class, () -> JsonReader.parse(text), java.util.Arrays.toString(seq));
            assertTrue(e.getMessage().startsWith("invalid UTF-8"), e.getMessage());
        }
    }

    /** Random byte strings inside quotes: accepted exactly when the JDK's strict decoder accepts them, with the same text. */
    @Test
    void utf8DecodingAgreesWithTheJdk() {
        SplittableRandom random = new SplittableRandom(11);
        int accepted = 0;
        for (int i = 0; i < 30_000; i++) {
            byte[] body = new byte[random.nextInt(1, 9)];
            for (int k = 0; k < body.length; k++) {
                int b = random.nextInt(4) == 0 ? random.nextInt(0x20, 0x80) : random.nextInt(0x80, 0x100);
                body[k] = (byte) (b == '"' || b == '\\' ? 'q' : b);
            }
            String jdk;
            try {
                jdk = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
            } catch (CharacterCodingException e) {
                jdk = null;
            }
            byte[] text = SafeTensorsBytes.concat(new byte[] {'"'}, body, new byte[] {'"'});
            Object ours;
            try {
                ours = JsonReader.parse(text);
            } catch (JsonFormatException e) {
                ours = null;
            }
            if (jdk != null) {
                accepted++;
            }
            assertEquals(jdk, ours, () -> "bytes " + java.util.HexFormat.ofDelimiter(" ").formatHex(body));
        }
        assertTrue(accepted > 1000, "the random strings must include many valid ones, got " + accepted);
    }

    @Test
    void writerEscapesAndRoundTripsEveryCharacter() throws JsonFormatException {
        StringBuilder all = new StringBuilder();
        for (int c = 0; c < 0x10000; c++) {
            if (!Character.isSurrogate((char) c)) {
                all.append((char) c);
            }
        }
        all.appendCodePoint(0x1F600).appendCodePoint(0x10FFFF).appendCodePoint(0x10000);
        String s = all.toString();
        byte[] json = JsonWriter.write(s);
        assertEquals(s, JsonReader.parse(json));
        assertEquals("\"\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001f/\u00e9\"", new String(JsonWriter.write("\"\\\n\r\t\b\f\u0001\u001f/\u00e9"),
                StandardCharsets.UTF_8));
    }

    @Test
    void writerRejectsWhatHasNoJsonForm() {
        assertThrows(IllegalArgumentException.class, () -> JsonWriter.write("a\uD800b"));
        assertThrows(IllegalArgumentException.class, () -> JsonWriter.write("a\uDC00"));
        assertThrows(IllegalArgumentException.class, () -> JsonWriter.write("\uD800"));
        assertThrows(IllegalArgumentException.class, () -> JsonWriter.write(1.5));
        assertThrows(IllegalArgumentException.class, () -> JsonWriter.write(true));
        assertThrows(IllegalArgumentException.class, () -> JsonWriter.write(java.util.Collections.singletonList(null)));
        assertThrows(IllegalArgumentException.class, () -> JsonWriter.write(Map.of(1, "a")));
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().value("no key"));
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginArray().toUtf8());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().value(1).value(2));
    }

    /** Random trees: our writer's text parses to the same tree with Jackson, and Jackson's text with our reader. */
    @Test
    void agreesWithJacksonOnRandomDocuments() throws Exception {
        ObjectMapper jackson = new ObjectMapper();
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 3000; i++) {
            Object tree = randomTree(random, 0);
            byte[] ours = JsonWriter.write(tree);
            assertEquals(normalise(jackson.readValue(ours, Object.class)), normalise(tree), () -> new String(ours, StandardCharsets.UTF_8));
            String theirs = random.nextBoolean() ? jackson.writeValueAsString(tree)
                    : jackson.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
            assertEquals(tree, JsonReader.parse(theirs.getBytes(StandardCharsets.UTF_8)), theirs);
        }
    }

    /** Random edits of valid documents: each is a tree or a JsonFormatException, never anything else. */
    @Test
    void mutatedDocumentsGiveATreeOrTheFormatException() {
        SplittableRandom random = new SplittableRandom(17);
        byte[] pool = "{}[]\",:-0123456789 \\u\u00e9\u20ac".getBytes(StandardCharsets.UTF_8);
        int rejected = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] doc = JsonWriter.write(randomTree(random, 0));
            byte[] m = doc.clone();
            int at = random.nextInt(m.length);
            m[at] = random.nextBoolean() ? pool[random.nextInt(pool.length)] : (byte) random.nextInt(256);
            try {
                JsonReader.parse(m);
            } catch (JsonFormatException e) {
                rejected++;
            } catch (Throwable t) {
                fail("input " + new String(m, StandardCharsets.UTF_8) + " escaped with " + t, t);
            }
        }
        assertTrue(rejected > 5000, "most random edits break a document, got " + rejected);
    }

    static Object randomTree(SplittableRandom random, int depth) {
        int kind = depth > 4 ? 2 + random.nextInt(2) : random.nextInt(4);
        switch (kind) {
            case 0 -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (int n = random.nextInt(4); n > 0; n--) {
                    map.put(randomString(random), randomTree(random, depth + 1));
                }
                return map;
            }
            case 1 -> {
                List<Object> list = new ArrayList<>();
                for (int n = random.nextInt(4); n > 0; n--) {
                    list.add(randomTree(random, depth + 1));
                }
                return list;
            }
            case 2 -> {
                return randomString(random);
            }
            default -> {
                return switch (random.nextInt(3)) {
                    case 0 -> (long) random.nextInt(-10, 10);
                    case 1 -> random.nextLong();
                    default -> random.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
                };
            }
        }
    }

    static String randomString(SplittableRandom random) {
        StringBuilder sb = new StringBuilder();
        for (int n = random.nextInt(6); n > 0; n--) {
            int cp = switch (random.nextInt(5)) {
                case 0 -> random.nextInt(0, 0x20);
                case 1 -> "\"\\/ab".charAt(random.nextInt(5));
                case 2 -> random.nextInt(0x80, 0x800);
                case 3 -> random.nextInt(0x800, 0xD800);
                default -> random.nextInt(0x10000, 0x110000);
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    /** Jackson reads small integers as Integer; compare as Long. */
    static Object normalise(Object o) {
        if (o instanceof Integer i) {
            return i.longValue();
        }
        if (o instanceof java.math.BigInteger b) {
            return b.longValueExact();
        }
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k, normalise(v)));
            return out;
        }
        if (o instanceof List<?> l) {
            return l.stream().map(JsonReaderTest::normalise).toList();
        }
        return o;
    }

    @Test
    void pullReaderReportsPositions() throws JsonFormatException {
        JsonReader r = JsonReader.of("  {\"k\": [1, 2]}".getBytes(StandardCharsets.UTF_8));
        r.beginObject();
        assertTrue(r.hasNext());
        assertEquals("k", r.nextName());
        r.beginArray();
        List<Long> values = new ArrayList<>();
        while (r.hasNext()) {
            values.add(r.nextLong());
        }
        r.endArray();
        assertTrue(!r.hasNext());
        r.endObject();
        r.endDocument();
        assertEquals(List.of(1L, 2L), values);
        assertEquals(15, r.position());
    }
}
