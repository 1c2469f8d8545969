package dev.panamarnn.cli;

import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A fingerprint of the data a run trains on (its size and a hash of its values), kept in the
 * checkpoint's metadata so that --resume with other data is refused rather than silently continued.
 */
record DataFingerprint(String value) {
    /** The checkpoint metadata key. */
    static final String KEY = "data.fingerprint";

    static DataFingerprint of(int[] tokens) {
        return new DataFingerprint(tokens.length + " tokens, hash " + Integer.toHexString(Arrays.hashCode(tokens)));
    }

    static DataFingerprint of(double[] values) {
        return new DataFingerprint(values.length + " values, hash " + Integer.toHexString(Arrays.hashCode(values)));
    }

    static DataFingerprint of(SequenceDataset data) {
        int hash = 1;
        for (int i = 0; i < data.size(); i++) {
            hash = 31 * hash + Arrays.deepHashCode(data.inputs(i));
            hash = 31 * hash + switch (data.targets()) {
                case CLASS_PER_SEQUENCE -> data.label(i);
                case CLASS_PER_STEP -> Arrays.hashCode(data.stepLabels(i));
                case VALUES_PER_SEQUENCE -> Arrays.hashCode(data.target(i));
                case VALUES_PER_STEP -> Arrays.deepHashCode(data.stepTargets(i));
                case LABEL_SEQUENCE -> Arrays.hashCode(data.labelSequence(i));
                case NONE -> 0;
            };
        }
        return new DataFingerprint(data.size() + " sequences, hash " + Integer.toHexString(hash));
    }

    /** {@code metadata} with this fingerprint added. */
    Map<String, String> in(Map<String, String> metadata) {
        Map<String, String> all = new LinkedHashMap<>(metadata);
        all.put(KEY, value);
        return all;
    }

    /** Refuses a checkpoint (null: none) that was trained on other data; checkpoints without a fingerprint pass. */
    void requireSameAs(Path checkpoint) throws IOException {
        if (checkpoint == null) {
            return;
        }
        String saved;
        try (SafeTensorsFile f = SafeTensors.read(checkpoint)) {
            saved = f.metadata().get(KEY);
        }
        if (saved != null && !saved.equals(value)) {
            throw new IllegalArgumentException("--resume " + checkpoint + " was trained on other data (" + saved + "; this run's data: "
                    + value + "): resume with the data and options it was trained with");
        }
    }
}
