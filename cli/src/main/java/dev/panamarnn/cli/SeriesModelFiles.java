package dev.panamarnn.cli;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.SafeTensorsFile;
import java.nio.file.Path;
import java.util.Map;

/** The "series.*" metadata of a forecasting model file (season length, held-out tail, data), read as untrusted. */
final class SeriesModelFiles {
    private static final String EMBEDDED_PREFIX = "embedded:";

    private SeriesModelFiles() {}

    /** The file's metadata (its tensors are read by SequenceModel.load). */
    static Map<String, String> metadata(Path file) throws ModelFileException {
        try (SafeTensorsFile f = ModelFile.read(file)) {
            return Map.copyOf(f.metadata());
        }
    }

    /**
     * The embedded series the model was trained on (metadata "series.embedded", or an earlier
     * "series.source" naming one), or null: anything else there is refused, never opened as a file.
     */
    static String embeddedSource(Path file, Map<String, String> metadata) throws ModelFileException {
        String named = metadata.get("series.embedded");
        if (named == null) {
            String earlier = metadata.getOrDefault("series.source", "");      // files of the earlier series model
            return earlier.startsWith(EMBEDDED_PREFIX) ? earlier : null;
        }
        if (!named.startsWith(EMBEDDED_PREFIX)) {
            throw new ModelFileException(file, "metadata 'series.embedded' must name an embedded series (embedded:NAME), got '"
                    + named + "'; a model file never names a file to read");
        }
        return named;
    }

    /** Metadata {@code key} as an integer in [1, 10^7], or {@code fallback} when absent. */
    static int positive(Path file, Map<String, String> metadata, String key, int fallback) throws ModelFileException {
        String text = metadata.get(key);
        if (text == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= 1 && value <= 10_000_000) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ModelFileException(file, "metadata '" + key + "' must be an integer in [1, 10000000] (" + text.length() + " characters given)");
    }
}
