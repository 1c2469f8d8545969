package dev.panamarnn.model;

/**
 * Levenshtein distance: the fewest insertions, deletions and substitutions that turn one sequence
 * into another; what label, character and word error rates count (errors / reference length).
 */
public final class EditDistance {
    private EditDistance() {}

    /** Between two id sequences; O(|a| |b|) time, O(|b|) memory. */
    public static int between(int[] a, int[] b) {
        int[] previous = new int[b.length + 1], current = new int[b.length + 1];
        for (int j = 0; j <= b.length; j++) {
            previous[j] = j;                                    // "" -> b[0, j): j insertions
        }
        for (int i = 1; i <= a.length; i++) {
            current[0] = i;                                     // a[0, i) -> "": i deletions
            for (int j = 1; j <= b.length; j++) {
                int substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length];
    }

    /** Between two strings, by code point (character error rate). */
    public static int between(String a, String b) {
        return between(a.codePoints().toArray(), b.codePoints().toArray());
    }
}
