package dev.panamarnn.data;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * The characters of a corpus as token ids 0..V-1 (sorted by code point, so the same text always
 * gives the same vocabulary). Serialises to a string of its characters for model metadata.
 */
public final class CharVocabulary {
    private final int[] codePoints;           // id -> code point
    private final int[] idOfAscii = new int[128];

    private CharVocabulary(int[] codePoints) {
        if (codePoints.length == 0) {
            throw new IllegalArgumentException("a vocabulary needs at least one character; the text is empty");
        }
        this.codePoints = codePoints;
        Arrays.fill(idOfAscii, -1);
        for (int i = 0; i < codePoints.length; i++) {
            if (codePoints[i] < 128) {
                idOfAscii[codePoints[i]] = i;
            }
        }
    }

    /**
     * The distinct characters of {@code text}.
     * @throws IllegalArgumentException if the text is empty
     */
    public static CharVocabulary of(CharSequence text) {
        TreeSet<Integer> set = new TreeSet<>();
        text.codePoints().forEach(set::add);
        return new CharVocabulary(set.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * Inverse of {@link #serialise()}: the characters of a vocabulary, sorted by code point, each once.
     * @throws IllegalArgumentException if {@code characters} is empty, or not sorted, or has a
     *         character twice (e.g. a model file's vocabulary metadata that was edited or damaged)
     */
    public static CharVocabulary deserialise(String characters) {
        int[] cps = characters.codePoints().toArray();
        for (int i = 1; i < cps.length; i++) {
            if (cps[i] <= cps[i - 1]) {
                throw new IllegalArgumentException("vocabulary characters must be sorted and distinct; position " + i + " is not");
            }
        }
        return new CharVocabulary(cps);
    }

    /** All characters in id order. */
    public String serialise() {
        return new String(codePoints, 0, codePoints.length);
    }

    /** Each character as a string of one code point, in id order (a language model's class names). */
    public java.util.List<String> characters() {
        java.util.List<String> names = new java.util.ArrayList<>(codePoints.length);
        for (int cp : codePoints) {
            names.add(Character.toString(cp));
        }
        return java.util.List.copyOf(names);
    }

    public int size() {
        return codePoints.length;
    }

    /** Token id of a code point, or -1 when it is not in the vocabulary. */
    public int id(int codePoint) {
        if (codePoint >= 0 && codePoint < 128) {
            return idOfAscii[codePoint];
        }
        int i = Arrays.binarySearch(codePoints, codePoint);
        return i >= 0 ? i : -1;
    }

    /** The code point of token {@code id}; an id outside [0, size) is an IllegalArgumentException. */
    public int codePoint(int id) {
        if (id < 0 || id >= codePoints.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + codePoints.length + ")");
        }
        return codePoints[id];
    }

    /** Token ids of the text; characters outside the vocabulary are an IllegalArgumentException. */
    public int[] encode(CharSequence text) {
        int[] cps = text.codePoints().toArray();
        int[] ids = new int[cps.length];
        for (int i = 0; i < cps.length; i++) {
            ids[i] = id(cps[i]);
            if (ids[i] < 0) {
                throw new IllegalArgumentException("character '" + new String(Character.toChars(cps[i])) + "' (U+"
                        + Integer.toHexString(cps[i]).toUpperCase() + ") at position " + i + " is not in the vocabulary");
            }
        }
        return ids;
    }

    public String decode(int[] ids, int from, int to) {
        java.util.Objects.checkFromToIndex(from, to, ids.length);
        StringBuilder text = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            text.appendCodePoint(codePoint(ids[i]));
        }
        return text.toString();
    }
}
