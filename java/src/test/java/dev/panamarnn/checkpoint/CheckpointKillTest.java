package dev.panamarnn.checkpoint;

import static dev.panamarnn.checkpoint.CheckpointFaultTest.NEXT;
import static dev.panamarnn.checkpoint.CheckpointFaultTest.PREVIOUS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.checkpoint.FaultyFileSystem.Op;
import dev.panamarnn.kernels.KernelsForTests;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM killed (SIGKILL) in the middle of writing a training checkpoint, at seven points:
 * before the temporary file exists, before its first write, half-way through the data, before
 * fsync, before close, before the rename, and after the rename before the directory sync. Each
 * time the checkpoint on disk is complete — the previous one, or after the rename the new one —
 * and the run resumed from it gives the uninterrupted run's losses exactly. The killed writer's
 * temporary file is left behind (nothing can remove it at SIGKILL); the next checkpoint write of
 * that path removes it — but not the temporary file of a writer that is alive (it holds a lock),
 * however long it has been stopped inside its write.
 */
class CheckpointKillTest {
    /** Where the child is stopped and killed: an operation and its occurrence in the write. */
    record KillPoint(Op op, int occurrence, int expectedStep, boolean leavesTemp) {
        @Override
        public String toString() {
            return op + (op == Op.WRITE ? " #" + occurrence : "");
        }
    }

    static final List<KillPoint> POINTS = List.of(
            new KillPoint(Op.CREATE_TEMP, 0, PREVIOUS, false),
            new KillPoint(Op.WRITE, 0, PREVIOUS, true),
            new KillPoint(Op.WRITE, 18, PREVIOUS, true),        // about half of the ~37 writes
            new KillPoint(Op.FORCE_FILE, 0, PREVIOUS, true),
            new KillPoint(Op.CLOSE_FILE, 0, PREVIOUS, true),
            new KillPoint(Op.RENAME, 0, PREVIOUS, true),
            new KillPoint(Op.FORCE_DIRECTORY, 0, NEXT, false));

    @TempDir
    Path dir;

    @Test
    void aWriterKilledAnywhereInACheckpointWriteLeavesALoadableCheckpoint() throws Exception {
        KernelsForTests.nativeKernels();            // skips without native kernels, unless strict
        List<Process> children = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (KillPoint point : POINTS) {            // started together: the machine's cores share the start-up
            Path sub = Files.createDirectory(dir.resolve(point.op() + "-" + point.occurrence()));
            Path file = sub.resolve("ckpt.safetensors");
            files.add(file);
            children.add(start(file, point.op(), point.occurrence()));
        }
        // one more writer, stopped inside its write and left alive: its temporary file is not a stray
        Path liveFile = Files.createDirectory(dir.resolve("live")).resolve("ckpt.safetensors");
        Process live = start(liveFile, Op.WRITE, 0);
        children.add(live);
        long lastKill = 0;
        try {
            for (int i = 0; i < POINTS.size(); i++) {
                KillPoint point = POINTS.get(i);
                Process child = children.get(i);
                List<String> lines = awaitStop(child, point.toString());
                assertTrue(lines.getLast().startsWith("at " + point.op()), point + ": the child said " + lines);
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), point + ": the child did not die");
                lastKill = System.currentTimeMillis();

                Path file = files.get(i);
                CheckpointFaultTest.assertResumesAt(file, point.expectedStep());
                List<Path> left = strays(file);
                assertEquals(point.leavesTemp() ? 1 : 0, left.size(), point + ": temporary files left " + left);
                System.out.println("[CheckpointKillTest] killed " + lines.getLast() + ": the checkpoint of step "
                        + point.expectedStep() + " resumes exactly; temporary files left: " + left.size());
            }
            awaitStop(live, "the live writer");
            Thread.sleep(AGE_MILLIS);                // its temporary file is now older than the grace time, but locked
            try (TrainingRun run = TrainingRun.resume(liveFile, KernelsForTests.nativeKernels())) {
                run.save(liveFile);                  // another writer of the same path meanwhile
            }
            assertEquals(1, strays(liveFile).size(), "the live writer's temporary file was removed under it");
            live.destroyForcibly();
            assertTrue(live.waitFor(30, TimeUnit.SECONDS));
            files.add(liveFile);
            System.out.println("[CheckpointKillTest] a writer stopped inside its write for " + AGE_MILLIS + " ms keeps its temporary"
                    + " file while another writer replaces the checkpoint; killed, its file goes at the next write");
        } finally {
            children.forEach(Process::destroyForcibly);
        }
        // the next write of each path removes the killed writer's temporary file (once it is older than the writer's grace time)
        Thread.sleep(Math.max(0, lastKill + AGE_MILLIS - System.currentTimeMillis()));
        for (Path file : files) {
            try (TrainingRun run = TrainingRun.resume(file, KernelsForTests.nativeKernels())) {
                run.train(1);
                run.save(file);
            }
            assertEquals(List.of(), strays(file), "after the next write of " + file);
            try (var all = Files.list(file.getParent())) {
                assertEquals(List.of(file), all.toList());
            }
        }
    }

    /** AtomicFile's grace time for a new temporary file (2 s) and a margin. */
    static final long AGE_MILLIS = 2100;

    private static Process start(Path file, Op op, int occurrence) throws java.io.IOException {
        return new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),   // as this JVM
                CheckpointWriterProbe.class.getName(), file.toString(), op.name(), Integer.toString(occurrence))
                .redirectErrorStream(true).start();
    }

    /** Reads the child's output until it says where it stopped ("at OP BYTES"); its lines. */
    private static List<String> awaitStop(Process child, String what) throws java.io.IOException {
        List<String> lines = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            lines.add(line);
            if (line.startsWith("at ")) {
                return lines;
            }
        }
        throw new AssertionError(what + ": the child ended without stopping inside the write: " + lines);
    }

    private static List<Path> strays(Path file) throws java.io.IOException {
        String pattern = "\\." + file.getFileName().toString().replace(".", "\\.") + "\\.[0-9a-f]+\\.tmp";
        try (var all = Files.list(file.getParent())) {
            return all.filter(p -> p.getFileName().toString().matches(pattern)).toList();
        }
    }
}
