package dev.panamarnn.service;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code key=value} command-line arguments; an unknown key or a value out of range is an IllegalArgumentException naming it. */
final class Options {
    private final Map<String, String> values = new HashMap<>();

    Options(String[] args, Set<String> known) {
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String key = eq < 0 ? arg : arg.substring(0, eq);
            if (eq < 0 || !known.contains(key)) {
                throw new IllegalArgumentException("unknown argument '" + arg + "'; expected key=value with key one of " + known);
            }
            values.put(key, arg.substring(eq + 1));
        }
    }

    String text(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    /** An integer in [min, max]. */
    int integer(String key, int fallback, int min, int max) {
        String text = values.get(key);
        if (text == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text.strip());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be an integer in [" + min + ", " + max + "], got '" + text + "'");
    }

    /** Comma-separated integers, each in [min, max]. */
    int[] integers(String key, String fallback, int min, int max) {
        String[] parts = text(key, fallback).split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            Options one = new Options(new String[] {key + "=" + parts[i]}, Set.of(key));
            out[i] = one.integer(key, 0, min, max);
        }
        return out;
    }
}
