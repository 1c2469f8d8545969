package dev.panamarnn.internal.io;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensorsFile;

/**
 * Reads a model file's string metadata as typed values; every problem is a
 * {@link ModelFileException} naming the file, the key and what was found. Shared by the readers
 * of sequence models, checkpoints, seq2seq models and the earlier special-purpose models.
 */
public final class Metadata {
    private Metadata() {}

    public static String required(SafeTensorsFile f, String key) throws ModelFileException {
        String v = f.metadata().get(key);
        if (v == null) {
            throw new ModelFileException(f.path(), "metadata '" + key + "' is missing");
        }
        return v;
    }

    /** An integer that must be present. */
    public static long longValue(SafeTensorsFile f, String key) throws ModelFileException {
        return parseLong(f, key, required(f, key));
    }

    /** An integer, or {@code fallback} when the key is absent. */
    public static long longValue(SafeTensorsFile f, String key, long fallback) throws ModelFileException {
        String v = f.metadata().get(key);
        return v == null ? fallback : parseLong(f, key, v);
    }

    private static long parseLong(SafeTensorsFile f, String key, String v) throws ModelFileException {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new ModelFileException(f.path(), "metadata '" + key + "' must be an integer, got '" + v + "'");
        }
    }

    /** An integer in [1, Integer.MAX_VALUE] that must be present. */
    public static int positive(SafeTensorsFile f, String key) throws ModelFileException {
        long v = longValue(f, key);
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new ModelFileException(f.path(), "metadata '" + key + "' must be an integer in [1, " + Integer.MAX_VALUE + "], got " + v);
        }
        return (int) v;
    }

    /** An integer in [0, max] that must be present. */
    public static long nonNegative(SafeTensorsFile f, String key, long max) throws ModelFileException {
        long v = longValue(f, key);
        if (v < 0 || v > max) {
            throw new ModelFileException(f.path(), "metadata '" + key + "' must be an integer in [0, " + max + "], got " + v);
        }
        return v;
    }

    /** A finite decimal number that must be present. */
    public static double finite(SafeTensorsFile f, String key) throws ModelFileException {
        String v = required(f, key);
        try {
            double d = Double.parseDouble(v.trim());
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ModelFileException(f.path(), "metadata '" + key + "' must be a finite number, got '" + v + "'");
    }

    /** "true" or "false", present. */
    public static boolean bool(SafeTensorsFile f, String key) throws ModelFileException {
        return parseBool(f, key, required(f, key));
    }

    /** "true" or "false", or {@code fallback} when the key is absent. */
    public static boolean bool(SafeTensorsFile f, String key, boolean fallback) throws ModelFileException {
        String v = f.metadata().get(key);
        return v == null ? fallback : parseBool(f, key, v);
    }

    private static boolean parseBool(SafeTensorsFile f, String key, String v) throws ModelFileException {
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ModelFileException(f.path(), "metadata '" + key + "' is '" + v + "'; expected true or false");
        };
    }
}
