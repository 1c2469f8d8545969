package dev.panamarnn.spark;

import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.model.SequenceModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The executor side of a training run: per executor JVM, the model replicas of the recent runs
 * (built from the broadcast model bytes, never shipped as objects) and each shard's data set. A
 * replica serves one task at a time (a SequenceModel is single-threaded), so an executor running
 * two tasks at once (local[2], or spark.executor.cores 2) builds two; an executor of one core holds
 * one. The replicas of runs older than the last {@link #RUNS} are closed.
 */
final class Replicas {
    static final int RUNS = 2;

    private static final Map<String, Deque<SequenceModel>> IDLE = new LinkedHashMap<>();     // run -> idle replicas, oldest run first
    private static final Map<String, SequenceDataset> SHARDS = new LinkedHashMap<>();        // run/shard -> data

    private Replicas() {}

    /** An idle replica of {@code run}, or a new one loaded from {@code modelBytes}; give it back with {@link #release}. */
    static SequenceModel borrow(String run, byte[] modelBytes) {
        SparkExecutors.prepare();
        synchronized (Replicas.class) {
            Deque<SequenceModel> idle = IDLE.get(run);
            if (idle != null && !idle.isEmpty()) {
                return idle.pop();
            }
            if (idle == null) {
                IDLE.put(run, new ArrayDeque<>());
                evictOldRuns();
            }
        }
        return load(modelBytes);
    }

    /** Returns a replica after its task; one of a run no longer cached is closed. */
    static void release(String run, SequenceModel replica) {
        synchronized (Replicas.class) {
            Deque<SequenceModel> idle = IDLE.get(run);
            if (idle != null) {
                idle.push(replica);
                return;
            }
        }
        replica.close();
    }

    /** The shard's data set of this run, made by {@code make} on first use in this JVM. */
    static SequenceDataset shard(String run, int shard, Supplier<SequenceDataset> make) {
        String key = run + "/" + shard;
        synchronized (Replicas.class) {
            SequenceDataset d = SHARDS.get(key);
            if (d != null) {
                return d;
            }
        }
        SequenceDataset d = make.get();
        synchronized (Replicas.class) {
            SHARDS.putIfAbsent(key, d);
            return SHARDS.get(key);
        }
    }

    /** Closes the idle replicas and drops the shards of {@code run} (the trainer's close does it on the driver's JVM). */
    static void forget(String run) {
        List<SequenceModel> closing = new ArrayList<>();
        synchronized (Replicas.class) {
            Deque<SequenceModel> idle = IDLE.remove(run);
            if (idle != null) {
                closing.addAll(idle);
            }
            SHARDS.keySet().removeIf(k -> k.startsWith(run + "/"));
        }
        closing.forEach(SequenceModel::close);
    }

    /** How many replicas of {@code run} are idle in this JVM (tests). */
    static synchronized int idle(String run) {
        Deque<SequenceModel> idle = IDLE.get(run);
        return idle == null ? 0 : idle.size();
    }

    private static void evictOldRuns() {   // holds the lock
        while (IDLE.size() > RUNS) {
            String oldest = IDLE.keySet().iterator().next();
            Deque<SequenceModel> idle = IDLE.remove(oldest);
            idle.forEach(SequenceModel::close);
            SHARDS.keySet().removeIf(k -> k.startsWith(oldest + "/"));
        }
    }

    /** A model from its file's bytes, through a temporary file in the executor's scratch directory. */
    static SequenceModel load(byte[] modelBytes) {
        Path file = null;
        try {
            file = Files.createTempFile(ModelBytes.scratchDirectory(), "replica-", ".safetensors");
            Files.write(file, modelBytes);
            return SequenceModel.load(file);
        } catch (ModelFileException e) {
            throw new IllegalStateException("the broadcast model bytes do not load: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model replica's file in " + ModelBytes.scratchDirectory(), e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a scratch file; the directory is the executor's own
                }
            }
        }
    }
}
