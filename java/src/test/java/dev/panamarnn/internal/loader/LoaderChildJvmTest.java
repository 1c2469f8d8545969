package dev.panamarnn.internal.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The loading rules end to end, each in a fresh child JVM with the system properties a user would
 * set (the selection happens once per JVM, so it cannot be re-run in this one).
 */
class LoaderChildJvmTest {

    record Result(int exit, String out, String err) {}

    static Result run(String... properties) throws IOException, InterruptedException {
        return runProbe(List.of(properties), List.of());
    }

    /** LoaderProbe in a child JVM with these -D options and program arguments. */
    static Result runProbe(List<String> properties, List<String> args) throws IOException, InterruptedException {
        return runProbe(properties, args, System.getProperty("java.class.path"));
    }

    /** The same on the given class path. */
    static Result runProbe(List<String> properties, List<String> args, String classPath) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(properties);
        command.add("-cp");
        command.add(classPath);
        command.add(LoaderProbe.class.getName());
        command.addAll(args);
        Process process = new ProcessBuilder(command).start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8).trim(),
                new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void overridePathToAMissingFileFallsBackWithAClearReason() throws Exception {
        Result r = run("-Drnn.native.path=/nonexistent/librnnk.so", "-Drnn.native.strict=false");
        assertEquals(0, r.exit(), r.err());
        assertEquals("java", r.out());
        assertTrue(r.err().contains("-Drnn.native.path=/nonexistent/librnnk.so: no such file /nonexistent/librnnk.so"), r.err());
        assertTrue(r.err().contains("fallback"), r.err());
    }

    @Test
    void strictModeWithABrokenPathFails() throws Exception {
        Result r = run("-Drnn.native.path=/nonexistent/librnnk.so", "-Drnn.native.strict=true");
        assertNotEquals(0, r.exit(), "strict mode must fail; stdout: " + r.out());
        assertTrue(r.err().contains("-Drnn.native.strict=true"), r.err());
        assertTrue(r.err().contains("/nonexistent/librnnk.so"), r.err());
    }

    @Test
    void aFileThatIsNotALibraryReportsTheDlerrorText() throws Exception {
        java.nio.file.Path bogus = java.nio.file.Files.createTempFile("librnnk-bogus", ".so");
        try {
            java.nio.file.Files.writeString(bogus, "not an ELF file");
            Result r = run("-Drnn.native.path=" + bogus, "-Drnn.native.strict=false");
            assertEquals("java", r.out());
            // dlopen's own words for a non-ELF file
            assertTrue(r.err().contains("invalid ELF header") || r.err().contains("file too short"), r.err());
        } finally {
            java.nio.file.Files.deleteIfExists(bogus);
        }
    }

    @Test
    void brokenBlasOverrideIsReported() throws Exception {
        Result r = run("-Drnn.blas.path=/nonexistent/libopenblas.so.0", "-Drnn.native.strict=false");
        assertEquals("java", r.out());
        assertTrue(r.err().contains("-Drnn.blas.path=/nonexistent/libopenblas.so.0: no such file"), r.err());
    }

    /** This JVM's class path as entries (surefire's own list when it forks with a manifest-only jar), without those matching. */
    static String classPathWithout(String... fragments) {
        String full = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> kept = new ArrayList<>();
        boolean removed = false;
        for (String entry : full.split(java.io.File.pathSeparator)) {
            String path = entry.replace('\\', '/');
            if (java.util.Arrays.stream(fragments).anyMatch(path::contains)) {
                removed = true;
            } else {
                kept.add(entry);
            }
        }
        assertTrue(removed, "no class path entry contains any of " + List.of(fragments) + ": " + full);
        return String.join(java.io.File.pathSeparator, kept);
    }

    @Test
    void withoutTheBindingsJarOneWarningNamesTheArtifactAndJavaRuns() throws Exception {
        Result r = runProbe(List.of("-Drnn.native.strict=false"), List.of(), classPathWithout("/panama-rnn-bindings/", "/bindings/target/"));
        assertEquals(0, r.exit(), r.err());
        assertEquals("java", r.out());
        assertTrue(r.err().contains("the bindings jar is not on the class path") && r.err().contains("dev.panamarnn:panama-rnn-bindings"), r.err());
        assertFalse(r.err().contains("\tat "), "a stack trace: " + r.err());
    }

    @Test
    void withoutTheOpenBlasJarOneWarningNamesTheArtifact() throws Exception {
        // with a system libopenblas.so.0 the native kernels run on it, else the Java ones; either way the artifact is named
        Result r = runProbe(List.of("-Drnn.native.strict=false"), List.of(), classPathWithout("org/bytedeco/openblas"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("org.bytedeco:openblas:" + BuildInfo.openBlasArtifactVersion() + ":linux-x86_64"), r.err());
        assertTrue(r.out().equals("java") || r.err().contains("is not on the class path; using the system OpenBLAS"), r.out() + "\n" + r.err());
        assertFalse(r.err().contains("\tat "), "a stack trace: " + r.err());
    }

    @Test
    void defaultLoadsTheNativeKernelsFromTheJarCopy() throws Exception {
        assumeTrue(getClass().getClassLoader().getResource(Platform.resourceDir() + "librnnk.so") != null,
                "built with -Drnn.native.skip=true");
        Result r = run("-Drnn.native.strict=true");
        assertEquals(0, r.exit(), r.err());
        assertEquals("native", r.out());
        assertTrue(r.err().contains("OpenBLAS 0.3.31"), r.err());
        assertTrue(r.err().contains("librnnk-"), r.err());
    }
}
