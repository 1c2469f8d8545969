package dev.panamarnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer JVM killed with SIGKILL at random moments of a stream of 16 MB atomic writes: the model
 * file is always a complete, valid version — the last one the writer reported or the next (killed
 * after the rename, before the report) — and nothing but stray temporary files is left.
 */
class KillMidWriteTest {
    @TempDir
    Path dir;

    @Test
    void killedWriterLeavesACompleteFile() throws Exception {
        Path file = dir.resolve("model.safetensors");
        SplittableRandom random = new SplittableRandom(42);
        for (int attempt = 0; attempt < 4; attempt++) {
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElseThrow());
            command.add("--enable-native-access=ALL-UNNAMED");
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(KillWriterProbe.class.getName());
            command.add(file.toString());
            Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            AtomicInteger reported = new AtomicInteger();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        reported.set(Integer.parseInt(line.trim()));
                    }
                } catch (Exception e) {
                    // the child was killed; the stream ends
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int target = 2 + attempt;
            while (reported.get() < target && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(reported.get() >= target, "the writer reported " + reported.get() + " versions; alive " + child.isAlive());
            Thread.sleep(random.nextInt(40));   // land somewhere inside a later write
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            reader.join();
            int last = reported.get();

            int version;
            try (SafeTensorsFile f = SafeTensors.read(file)) {
                version = Integer.parseInt(f.metadata().get("version"));
                float[] values = f.tensor("t").toArray();
                for (int i = 0; i < values.length; i += 4093) {
                    assertEquals(version, values[i], "element " + i + " of version " + version);
                }
                assertEquals(version, values[values.length - 1]);
            }
            assertTrue(version == last || version == last + 1, "file has version " + version + ", the writer last reported " + last);
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    if (!p.equals(file)) {
                        assertTrue(p.getFileName().toString().matches("\\.model\\.safetensors\\.[0-9a-f]+\\.tmp"), p.toString());
                        Files.delete(p);
                    }
                }
            }
            System.out.println("[KillMidWriteTest] killed after version " + last + "; the file holds version " + version);
        }
    }
}
