package dev.panamarnn.internal.loader;

import java.util.List;

/** A native library could not be loaded from any of the places tried; the message lists them. */
public final class NativeLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NativeLoadException(String library, List<LoadAttempt> attempts, String howToFix) {
        super(describe(library, attempts, howToFix));
    }

    private static String describe(String library, List<LoadAttempt> attempts, String howToFix) {
        StringBuilder text = new StringBuilder("could not load ").append(library).append("; tried:");
        for (LoadAttempt attempt : attempts) {
            text.append("\n  - ").append(attempt);
        }
        return text.append("\n").append(howToFix).toString();
    }
}
