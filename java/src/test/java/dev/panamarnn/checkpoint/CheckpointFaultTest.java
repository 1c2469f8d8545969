package dev.panamarnn.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panamarnn.checkpoint.FaultyFileSystem.Op;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing lost on disk: a training checkpoint (model, optimizer state, the TBPTT state carried
 * between windows) whose write fails at any operation — creating the temporary file, any one of
 * its writes, fsync, close, the rename, opening or syncing the directory — or runs out of space
 * leaves the previous checkpoint byte for byte, it loads and the resumed run gives the
 * uninterrupted run's losses exactly; no temporary file is left behind. Faults come from
 * {@link FaultyFileSystem} (the default file system plus a plan), so the library runs unchanged.
 * A failure after the rename (directory sync, best effort) leaves the new checkpoint, complete.
 * As root, a really full file system (a small tmpfs, unmounted afterwards) is tried too.
 */
class CheckpointFaultTest {
    static final int PREVIOUS = 6;       // the previous checkpoint: after this many steps
    static final int NEXT = 9;           // the write that fails: after this many
    static final int RESUMED = 4;        // steps run after resuming, compared with the uninterrupted run

    static Kernels kernels;

    @TempDir
    Path dir;

    @BeforeAll
    static void reference() {
        kernels = KernelsForTests.nativeKernels();   // skips without native kernels, unless strict
    }

    private static List<Double> cached;          // losses of steps 0 .. NEXT + RESUMED - 1 without any checkpoint

    /** The losses of the run without checkpoints (computed once per JVM). */
    static synchronized List<Double> uninterruptedLosses(Kernels kernels) {
        if (cached == null) {
            try (TrainingRun run = TrainingRun.fresh(kernels)) {
                cached = run.train(NEXT + RESUMED);
            }
        }
        return cached;
    }

    /** The checkpoint loads, is at {@code step}, and the resumed run continues exactly as the uninterrupted one. */
    static void assertResumesAt(Path checkpoint, int step) throws ModelFileException {
        Kernels k = KernelsForTests.nativeKernels();
        try (TrainingRun run = TrainingRun.resume(checkpoint, k)) {
            assertEquals(step, run.step(), "the checkpoint's step");
            assertEquals(uninterruptedLosses(k).subList(step, step + RESUMED), run.train(RESUMED),
                    "losses after resuming at step " + step);
        }
    }

    static void assertOnlyFile(Path dir, Path file) throws IOException {
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "only the checkpoint, no temporary file");
        }
    }

    /** Trains PREVIOUS steps, saves the checkpoint to {@code file}, trains on to NEXT; the saved bytes. */
    private static byte[] checkpointThenTrainOn(TrainingRun run, Path file) throws Exception {
        run.train(PREVIOUS);
        run.save(file);
        byte[] previous = Files.readAllBytes(file);
        run.train(NEXT - PREVIOUS);
        return previous;
    }

    @Test
    void aWriteFailingAtAnyOperationKeepsThePreviousCheckpoint() throws Exception {
        Path file = dir.resolve("ckpt.safetensors");
        FaultyFileSystem fs = new FaultyFileSystem();
        try (TrainingRun run = TrainingRun.fresh(kernels)) {
            byte[] previous = checkpointThenTrainOn(run, file);

            List<Op> ops = new ArrayList<>();            // the operations of one write, in order
            fs.plan((op, p, bytes) -> ops.add(op));
            Path probe = dir.resolve("probe.safetensors");
            run.save(fs.wrap(probe));
            Files.delete(probe);
            assertEquals(List.of(Op.CREATE_TEMP, Op.WRITE), ops.subList(0, 2), "operations " + ops);
            assertEquals(List.of(Op.FORCE_FILE, Op.CLOSE_FILE, Op.RENAME, Op.OPEN_DIRECTORY, Op.FORCE_DIRECTORY),
                    ops.subList(ops.size() - 5, ops.size()), "operations " + ops);

            Map<Op, Integer> failed = new EnumMap<>(Op.class);
            for (int i = 0; i < ops.size(); i++) {
                int target = i;
                AtomicInteger seen = new AtomicInteger();
                fs.plan((op, p, bytes) -> {
                    if (seen.getAndIncrement() == target) {
                        throw new IOException("injected failure at " + op + " (operation " + target + ")");
                    }
                });
                Op op = ops.get(i);
                failed.merge(op, 1, Integer::sum);
                if (op == Op.OPEN_DIRECTORY || op == Op.FORCE_DIRECTORY) {
                    run.save(fs.wrap(file));              // after the rename: the sync is best effort
                    assertResumesAt(file, NEXT);
                    Files.write(file, previous);          // the previous checkpoint again, for the next case
                } else {
                    ModelFileException e = assertThrows(ModelFileException.class, () -> run.save(fs.wrap(file)), "failing " + op);
                    assertEquals("model file " + file + ": cannot write: IOException: injected failure at " + op + " (operation " + i
                            + "); any previous file at this path is unchanged", e.getMessage());
                    assertArrayEquals(previous, Files.readAllBytes(file), "failing " + op + " (operation " + i + ")");
                    assertResumesAt(file, PREVIOUS);
                }
                assertOnlyFile(dir, file);
            }
            fs.plan((op, p, bytes) -> { });
            run.save(fs.wrap(file));
            assertResumesAt(file, NEXT);
            System.out.println("[CheckpointFaultTest] failed each of the " + ops.size() + " operations of a checkpoint write in turn "
                    + failed + ": the previous checkpoint resumed exactly every time");
        }
    }

    /** Disk full in the middle of the data, at the first byte, at fsync, at close, when creating the file. */
    @Test
    void aFullDiskIsAClearErrorAndKeepsThePreviousCheckpoint() throws Exception {
        Path file = dir.resolve("ckpt.safetensors");
        FaultyFileSystem fs = new FaultyFileSystem();
        try (TrainingRun run = TrainingRun.fresh(kernels)) {
            byte[] previous = checkpointThenTrainOn(run, file);
            List<Long> offsets = new ArrayList<>();      // where each write of a clean write starts
            fs.plan((op, p, bytes) -> {
                if (op == Op.WRITE) {
                    offsets.add(bytes);
                }
            });
            Path probe = dir.resolve("probe.safetensors");
            run.save(fs.wrap(probe));
            Files.delete(probe);
            long last = offsets.getLast();
            List<String> cases = new ArrayList<>();
            for (long limit : new long[] {0, 1, 8, 200, previous.length / 2, last}) {
                fs.plan((op, p, bytes) -> {
                    if (op == Op.WRITE && bytes >= limit) {
                        throw new IOException("No space left on device");
                    }
                });
                cases.add("the first write from byte " + limit + " on");
                assertDiskFull(run, fs, file, previous);
            }
            for (Op at : new Op[] {Op.FORCE_FILE, Op.CLOSE_FILE}) {   // delayed allocation reports it late
                fs.plan((op, p, bytes) -> {
                    if (op == at) {
                        throw new IOException("No space left on device");
                    }
                });
                cases.add(at.toString());
                assertDiskFull(run, fs, file, previous);
            }
            fs.plan((op, p, bytes) -> {                  // no inode or block left for the new file
                if (op == Op.CREATE_TEMP) {
                    throw new FileSystemException(p.toString(), null, "No space left on device");
                }
            });
            cases.add("creating the temporary file");
            assertDiskFull(run, fs, file, previous);
            System.out.println("[CheckpointFaultTest] disk full at " + cases + ": a clear error, the previous checkpoint intact");
        }
    }

    private void assertDiskFull(TrainingRun run, FaultyFileSystem fs, Path file, byte[] previous) throws Exception {
        ModelFileException e = assertThrows(ModelFileException.class, () -> run.save(fs.wrap(file)));
        assertEquals("model file " + file + ": cannot write: the disk is full (No space left on device) in " + dir
                + "; any previous file at this path is unchanged", e.getMessage());
        assertArrayEquals(previous, Files.readAllBytes(file));
        assertResumesAt(file, PREVIOUS);
        assertOnlyFile(dir, file);
    }

    /**
     * As root: a tmpfs with room for one checkpoint and a half. The next checkpoint cannot be
     * written: a clear error, the previous one intact, the partial temporary file removed (its
     * space is free again). Skipped when not root or when mounting is not allowed (containers).
     */
    @Test
    void aReallyFullFileSystem() throws Exception {
        Path mount = Files.createDirectory(dir.resolve("small"));
        Path file = mount.resolve("ckpt.safetensors");
        try (TrainingRun run = TrainingRun.fresh(kernels)) {
            run.train(PREVIOUS);
            Path sizing = dir.resolve("sizing.safetensors");
            run.save(sizing);
            long page = 4096, pages = (Files.size(sizing) + page - 1) / page;
            Files.delete(sizing);
            long bytes = (pages + pages / 2) * page;    // the previous checkpoint fits, a second one does not
            assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=" + bytes + ",mode=0755", "panama-rnn-full", mount.toString()),
                    "cannot mount a small tmpfs here (not root, or not allowed in this container)");
            try {
                run.save(file);
                byte[] previous = Files.readAllBytes(file);
                run.train(NEXT - PREVIOUS);
                ModelFileException e = assertThrows(ModelFileException.class, () -> run.save(file));
                assertEquals("model file " + file + ": cannot write: the disk is full (No space left on device) in " + mount
                        + "; any previous file at this path is unchanged", e.getMessage());
                assertArrayEquals(previous, Files.readAllBytes(file));
                assertResumesAt(file, PREVIOUS);
                assertOnlyFile(mount, file);
                Files.delete(file);                      // with room again, the next checkpoint is written
                run.save(file);
                assertResumesAt(file, NEXT);
                System.out.println("[CheckpointFaultTest] a " + bytes + "-byte tmpfs: '" + e.getMessage() + "'");
            } finally {
                if (!run("umount", mount.toString())) {
                    run("umount", "-l", mount.toString());
                }
            }
        }
    }

    /** Runs a command; true when it exits with 0 within 30 s. */
    private static boolean run(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
