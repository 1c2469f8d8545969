package dev.panamarnn.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict pull reader of the JSON subset a safetensors header needs: objects, arrays, strings
 * (every escape of RFC 8259, strictly valid UTF-8) and integers that fit a {@code long}.
 * Everything else is an error with the byte offset: true/false/null, fractions and exponents,
 * leading zeros, trailing commas, duplicate keys (in {@link #readValue()}), unescaped control
 * characters, unpaired surrogates, overlong or otherwise invalid UTF-8, a byte-order mark, data
 * after the value, nesting deeper than {@link #MAX_DEPTH}. Whitespace is the four JSON characters.
 *
 * <p>It reads straight from a {@link MemorySegment} (the header bytes, off-heap), so a large
 * header is never copied into a heap array. It is not a general JSON library and does not want to
 * be one: the safetensors header parser drives it value by value ({@link #beginObject()},
 * {@link #hasNext()}, {@link #nextName()}, ...), and {@link #readValue()} builds a plain tree
 * (Map, List, String, Long) for tests and small documents.
 */
final class JsonReader {
    /** Deepest nesting of objects and arrays accepted (a safetensors header needs 3). */
    static final int MAX_DEPTH = 32;

    /** The kind of the next value. */
    enum Kind { OBJECT, ARRAY, STRING, INTEGER }

    private final MemorySegment in;      // the JSON text, UTF-8
    private final long end;
    private long pos;
    private int depth;                   // open containers
    private final byte[] closer = new byte[MAX_DEPTH + 1];      // '}' or ']' per open container
    private final boolean[] empty = new boolean[MAX_DEPTH + 1]; // no member read yet in that container

    JsonReader(MemorySegment in) {
        this.in = in;
        this.end = in.byteSize();
    }

    static JsonReader of(byte[] utf8) {
        return new JsonReader(MemorySegment.ofArray(utf8));
    }

    /** Byte offset of the next unread byte. */
    long position() {
        return pos;
    }

    /** The kind of the next value; true, false, null and anything else not JSON are errors. */
    Kind peek() throws JsonFormatException {
        skipWhitespace();
        int c = peekByte("a value");
        return switch (c) {
            case '{' -> Kind.OBJECT;
            case '[' -> Kind.ARRAY;
            case '"' -> Kind.STRING;
            case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> Kind.INTEGER;
            case 't', 'f', 'n' -> throw error("true, false and null are not allowed here (only objects, arrays, strings and integers)");
            default -> throw error("expected a value, found " + describe(c));
        };
    }

    void beginObject() throws JsonFormatException {
        open('{', '}', "an object");
    }

    void endObject() throws JsonFormatException {
        close('}', "object");
    }

    void beginArray() throws JsonFormatException {
        open('[', ']', "an array");
    }

    void endArray() throws JsonFormatException {
        close(']', "array");
    }

    /**
     * True if the open object or array has another member; consumes the comma before it. Call it
     * before every member, then read exactly one member (for an object: {@link #nextName()} and a value).
     */
    boolean hasNext() throws JsonFormatException {
        if (depth == 0) {
            throw new IllegalStateException("hasNext() outside an object or array");
        }
        byte close = closer[depth];
        String what = close == '}' ? "object" : "array";
        skipWhitespace();
        int c = peekByte("the rest of an " + what);
        if (c == close) {
            return false;
        }
        if (empty[depth]) {
            empty[depth] = false;
            return true;
        }
        if (c != ',') {
            throw error("expected ',' or '" + (char) close + "' in an " + what + ", found " + describe(c));
        }
        pos++;
        skipWhitespace();
        if (peekByte("the next member of an " + what) == close) {
            throw error("trailing comma before '" + (char) close + "'");
        }
        return true;
    }

    /** The next object key and its ':'. */
    String nextName() throws JsonFormatException {
        if (depth == 0 || closer[depth] != '}') {
            throw new IllegalStateException("nextName() outside an object");
        }
        skipWhitespace();
        if (peekByte("an object key") != '"') {
            throw error("expected a string key, found " + describe(peekByte("an object key")));
        }
        String name = readString();
        skipWhitespace();
        int c = peekByte("':' after an object key");
        if (c != ':') {
            throw error("expected ':' after key \"" + printable(name) + "\", found " + describe(c));
        }
        pos++;
        return name;
    }

    String nextString() throws JsonFormatException {
        Kind kind = peek();
        if (kind != Kind.STRING) {
            throw error("expected a string, found " + article(kind));
        }
        return readString();
    }

    /** An integer: -?(0|[1-9][0-9]*) within the range of a long; fractions and exponents are errors. */
    long nextLong() throws JsonFormatException {
        Kind kind = peek();
        if (kind != Kind.INTEGER) {
            throw error("expected an integer, found " + article(kind));
        }
        long start = pos;
        boolean negative = in.get(ValueLayout.JAVA_BYTE, pos) == '-';
        if (negative) {
            pos++;
        }
        int c = peekByte("the digits of a number");
        if (c < '0' || c > '9') {
            throw error("expected a digit after '-', found " + describe(c));
        }
        long value = 0;   // accumulated negatively so that Long.MIN_VALUE fits
        if (c == '0') {
            pos++;
            if (pos < end && isDigit(byteAt(pos))) {
                throw error("leading zeros are not allowed in a number");
            }
        } else {
            while (pos < end && isDigit(byteAt(pos))) {
                int digit = byteAt(pos) - '0';
                if (value < (Long.MIN_VALUE + digit) / 10) {
                    pos = start;
                    throw error("integer out of range of a 64-bit signed integer");
                }
                value = value * 10 - digit;
                pos++;
            }
        }
        if (pos < end) {
            int next = byteAt(pos);
            if (next == '.' || next == 'e' || next == 'E') {
                throw error("only integers are allowed, found a number with a fraction or exponent");
            }
        }
        if (!negative) {
            if (value == Long.MIN_VALUE) {
                pos = start;
                throw error("integer out of range of a 64-bit signed integer");
            }
            value = -value;
        }
        return value;
    }

    /** After the top-level value: only whitespace may follow. */
    void endDocument() throws JsonFormatException {
        if (depth != 0) {
            throw new IllegalStateException("endDocument() inside an open object or array");
        }
        skipWhitespace();
        if (pos != end) {
            throw error("unexpected " + describe(byteAt(pos)) + " after the end of the JSON value");
        }
    }

    /**
     * The next value as a tree: {@code Map<String, Object>} (insertion order, duplicate keys are an
     * error), {@code List<Object>}, {@code String} or {@code Long}.
     */
    Object readValue() throws JsonFormatException {
        switch (peek()) {
            case OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                beginObject();
                while (hasNext()) {
                    long at = position();
                    String key = nextName();
                    if (map.containsKey(key)) {
                        throw new JsonFormatException(at, "duplicate key \"" + printable(key) + "\"");
                    }
                    map.put(key, readValue());
                }
                endObject();
                return map;
            }
            case ARRAY -> {
                List<Object> list = new ArrayList<>();
                beginArray();
                while (hasNext()) {
                    list.add(readValue());
                }
                endArray();
                return list;
            }
            case STRING -> {
                return readString();
            }
            default -> {
                return nextLong();
            }
        }
    }

    /** Parses a whole document: one value and nothing but whitespace after it. */
    static Object parse(byte[] utf8) throws JsonFormatException {
        JsonReader reader = of(utf8);
        Object value = reader.readValue();
        reader.endDocument();
        return value;
    }

    // ---- internals ----

    private void open(char open, char close, String what) throws JsonFormatException {
        skipWhitespace();
        int c = peekByte(what);
        if (c != open) {
            throw error("expected " + what + ", found " + describe(c));
        }
        if (depth == MAX_DEPTH) {
            throw error("objects and arrays nested deeper than " + MAX_DEPTH);
        }
        pos++;
        depth++;
        closer[depth] = (byte) close;
        empty[depth] = true;
    }

    private void close(char close, String what) throws JsonFormatException {
        if (depth == 0 || closer[depth] != close) {
            throw new IllegalStateException("no open " + what + " to end");
        }
        skipWhitespace();
        int c = peekByte("the end of an " + what);
        if (c != close) {
            throw error("expected '" + close + "' to end the " + what + ", found " + describe(c));
        }
        pos++;
        depth--;
    }

    /** Reads a string starting at the opening quote; validates UTF-8 and escapes. */
    private String readString() throws JsonFormatException {
        long open = pos;
        pos++;  // opening quote
        // fast path: plain ASCII without escapes
        long p = pos;
        while (p < end) {
            byte b = in.get(ValueLayout.JAVA_BYTE, p);
            if (b == '"') {
                byte[] ascii = in.asSlice(pos, p - pos).toArray(ValueLayout.JAVA_BYTE);
                pos = p + 1;
                return new String(ascii, StandardCharsets.ISO_8859_1);
            }
            if (b == '\\' || b < 0x20) {   // negative: a non-ASCII byte
                break;
            }
            p++;
        }
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= end) {
                pos = open;
                throw error("unterminated string");
            }
            int b = byteAt(pos);
            if (b == '"') {
                pos++;
                return sb.toString();
            }
            if (b == '\\') {
                readEscape(sb);
            } else if (b < 0x20) {
                throw error("control character " + hex(b) + " inside a string must be escaped");
            } else if (b < 0x80) {
                sb.append((char) b);
                pos++;
            } else {
                sb.appendCodePoint(readUtf8(b));
            }
        }
    }

    private void readEscape(StringBuilder sb) throws JsonFormatException {
        long at = pos;
        pos++;  // backslash
        int c = peekByte("an escape sequence");
        pos++;
        switch (c) {
            case '"' -> sb.append('"');
            case '\\' -> sb.append('\\');
            case '/' -> sb.append('/');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'u' -> {
                char unit = readHex4();
                if (Character.isHighSurrogate(unit)) {
                    if (pos + 1 < end && byteAt(pos) == '\\' && byteAt(pos + 1) == 'u') {
                        pos += 2;
                        char low = readHex4();
                        if (!Character.isLowSurrogate(low)) {
                            throw new JsonFormatException(at, "unpaired surrogate \\u" + Integer.toHexString(unit) + " in a string");
                        }
                        sb.append(unit).append(low);
                    } else {
                        throw new JsonFormatException(at, "unpaired surrogate \\u" + Integer.toHexString(unit) + " in a string");
                    }
                } else if (Character.isLowSurrogate(unit)) {
                    throw new JsonFormatException(at, "unpaired surrogate \\u" + Integer.toHexString(unit) + " in a string");
                } else {
                    sb.append(unit);
                }
            }
            default -> {
                pos = at;
                throw error("invalid escape '\\" + (c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : hex(c)) + "' in a string");
            }
        }
    }

    private char readHex4() throws JsonFormatException {
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int c = peekByte("the 4 hex digits of a \\u escape");
            int digit = Character.digit(c, 16);
            if (digit < 0 || c >= 0x80) {
                throw error("expected a hex digit in a \\u escape, found " + describe(c));
            }
            value = value * 16 + digit;
            pos++;
        }
        return (char) value;
    }

    /**
     * One UTF-8 sequence starting with lead byte {@code b} (>= 0x80) at pos, as a code point.
     * Strict (RFC 3629): no overlong forms, no surrogates U+D800..U+DFFF, nothing above U+10FFFF.
     */
    private int readUtf8(int b) throws JsonFormatException {
        int n;
        int cp;
        int lo = 0x80, hi = 0xBF;   // allowed range of the second byte
        if (b >= 0xC2 && b <= 0xDF) {
            n = 1;
            cp = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
            n = 2;
            cp = b & 0x0F;
            if (b == 0xE0) {
                lo = 0xA0;          // overlong below U+0800
            } else if (b == 0xED) {
                hi = 0x9F;          // surrogates U+D800..U+DFFF
            }
        } else if (b >= 0xF0 && b <= 0xF4) {
            n = 3;
            cp = b & 0x07;
            if (b == 0xF0) {
                lo = 0x90;          // overlong below U+10000
            } else if (b == 0xF4) {
                hi = 0x8F;          // above U+10FFFF
            }
        } else {
            throw error("invalid UTF-8: byte " + hex(b) + " cannot start a character");
        }
        for (int i = 1; i <= n; i++) {
            if (pos + i >= end) {
                throw error("invalid UTF-8: sequence cut off by the end of the header");
            }
            int c = byteAt(pos + i);
            int min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xBF;
            if (c < min || c > max) {
                throw error("invalid UTF-8: byte " + hex(c) + " after lead byte " + hex(b));
            }
            cp = (cp << 6) | (c & 0x3F);
        }
        pos += n + 1;
        return cp;
    }

    private void skipWhitespace() {
        while (pos < end) {
            int b = byteAt(pos);
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return;
            }
            pos++;
        }
    }

    /** The next byte (unsigned) without consuming it; the end of input is an error naming what was expected. */
    private int peekByte(String expected) throws JsonFormatException {
        if (pos >= end) {
            throw error("unexpected end of the header, expected " + expected);
        }
        return byteAt(pos);
    }

    private int byteAt(long at) {
        return in.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    private JsonFormatException error(String problem) {
        return new JsonFormatException(pos, problem);
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static String article(Kind kind) {
        return switch (kind) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case INTEGER -> "an integer";
        };
    }

    private static String describe(int c) {
        return c >= 0x20 && c < 0x7F ? "'" + (char) c + "'" : "byte " + hex(c);
    }

    private static String hex(int b) {
        return String.format("0x%02X", b);
    }

    /** A string for an error message: control characters and surrogates escaped as \\uXXXX, at most 80 characters. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F || Character.isSurrogate(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return i < s.length() ? sb + "..." : sb.toString();
    }
}
