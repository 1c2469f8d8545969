package dev.panamarnn.internal.io;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensorsFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The check a model reader makes before it allocates anything: a file holds exactly the tensors its
 * metadata implies, each with its shape and finite values. Shared by the readers of sequence models
 * and seq2seq models.
 */
public final class TensorSet {
    /** Problems listed in one message before "and N more". */
    private static final int LISTED = 10;

    private TensorSet() {}

    /**
     * Every tensor of {@code expected} (name to shape) is in {@code f} with that shape and finite
     * values, and every other tensor of the file is one {@code ignored} accepts; else a
     * {@link ModelFileException} "does not match its metadata (described): ..." listing the problems,
     * or naming the first value that is not finite.
     */
    public static void requireExactly(SafeTensorsFile f, Map<String, int[]> expected, Predicate<String> ignored, String described)
            throws ModelFileException {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            if (!f.contains(e.getKey())) {
                problems.add("tensor '" + e.getKey() + "' is missing");
            } else if (!Arrays.equals(f.shape(e.getKey()), e.getValue())) {
                problems.add("tensor '" + e.getKey() + "' is " + Arrays.toString(f.shape(e.getKey())) + ", expected "
                        + Arrays.toString(e.getValue()));
            }
        }
        for (String name : f.names()) {
            if (!expected.containsKey(name) && !ignored.test(name)) {
                problems.add("unexpected tensor '" + name + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelFileException(f.path(), "does not match its metadata (" + described + "): "
                    + String.join("; ", problems.subList(0, Math.min(LISTED, problems.size())))
                    + (problems.size() > LISTED ? "; and " + (problems.size() - LISTED) + " more" : ""));
        }
        for (String name : expected.keySet()) {
            MemorySegment values = f.tensor(name).segment();
            for (long i = 0; i < values.byteSize() / Float.BYTES; i++) {
                float v = values.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                if (!Float.isFinite(v)) {
                    throw new ModelFileException(f.path(), "tensor '" + name + "' element " + i + " is " + v + "; values must be finite");
                }
            }
        }
    }
}
