package dev.panamarnn.internal.loader;

/** One place a native library was looked for, and what happened there. */
record LoadAttempt(String where, String outcome) {
    @Override
    public String toString() {
        return where + ": " + outcome;
    }
}
