package dev.panamarnn.io;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Writes the JSON subset {@link JsonReader} reads — objects, arrays, strings, integers — compactly
 * (no whitespace) as UTF-8. Strings are escaped as RFC 8259 requires ({@code "}, {@code \}, the
 * control characters); other characters are written as themselves. A string with an unpaired
 * surrogate has no UTF-8 form and is an {@link IllegalArgumentException}.
 */
final class JsonWriter {
    private static final int MAX_DEPTH = JsonReader.MAX_DEPTH;

    private final StringBuilder out = new StringBuilder();
    private final boolean[] empty = new boolean[MAX_DEPTH + 1];  // per open container: nothing written yet
    private final boolean[] isObject = new boolean[MAX_DEPTH + 1];
    private int depth;
    private boolean afterName;

    JsonWriter beginObject() {
        return open('{', true);
    }

    JsonWriter endObject() {
        return close('}', true);
    }

    JsonWriter beginArray() {
        return open('[', false);
    }

    JsonWriter endArray() {
        return close(']', false);
    }

    /** An object key; the value follows with the next call. */
    JsonWriter name(String name) {
        if (depth == 0 || !isObject[depth] || afterName) {
            throw new IllegalStateException("a key is only allowed inside an object, before a value");
        }
        separate();
        quote(name);
        out.append(':');
        afterName = true;
        return this;
    }

    JsonWriter value(String value) {
        beforeValue();
        quote(value);
        return this;
    }

    JsonWriter value(long value) {
        beforeValue();
        out.append(value);
        return this;
    }

    /** A tree of Map (String keys), List, String, Long or Integer values. */
    JsonWriter value(Object tree) {
        switch (tree) {
            case String s -> value(s);
            case Long l -> value(l.longValue());
            case Integer i -> value(i.longValue());
            case Map<?, ?> map -> {
                beginObject();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!(e.getKey() instanceof String key)) {
                        throw new IllegalArgumentException("JSON object keys must be strings, got " + e.getKey());
                    }
                    name(key).value(e.getValue());
                }
                endObject();
            }
            case List<?> list -> {
                beginArray();
                for (Object item : list) {
                    value(item);
                }
                endArray();
            }
            case null -> throw new IllegalArgumentException("null has no JSON form here (only objects, arrays, strings, integers)");
            default -> throw new IllegalArgumentException("no JSON form for " + tree.getClass().getName()
                    + " (only objects, arrays, strings, integers)");
        }
        return this;
    }

    /** The document as UTF-8; every container must be closed. */
    byte[] toUtf8() {
        if (depth != 0 || out.isEmpty()) {
            throw new IllegalStateException("incomplete JSON document");
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] write(Object tree) {
        return new JsonWriter().value(tree).toUtf8();
    }

    private JsonWriter open(char c, boolean object) {
        beforeValue();
        if (depth == MAX_DEPTH) {
            throw new IllegalArgumentException("JSON nested deeper than " + MAX_DEPTH);
        }
        out.append(c);
        depth++;
        empty[depth] = true;
        isObject[depth] = object;
        return this;
    }

    private JsonWriter close(char c, boolean object) {
        if (depth == 0 || isObject[depth] != object || afterName) {
            throw new IllegalStateException("'" + c + "' does not close an open " + (object ? "object" : "array"));
        }
        out.append(c);
        depth--;
        return this;
    }

    private void beforeValue() {
        if (depth == 0) {
            if (!out.isEmpty()) {
                throw new IllegalStateException("a JSON document has one top-level value");
            }
        } else if (isObject[depth]) {
            if (!afterName) {
                throw new IllegalStateException("a value inside an object needs a key first");
            }
            afterName = false;
        } else {
            separate();
        }
    }

    private void separate() {
        if (!empty[depth]) {
            out.append(',');
        }
        empty[depth] = false;
    }

    private void quote(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        throw new IllegalArgumentException("string has an unpaired surrogate U+" + Integer.toHexString(c).toUpperCase()
                                + " at index " + i + " and cannot be written as UTF-8: \"" + JsonReader.printable(s) + "\"");
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
