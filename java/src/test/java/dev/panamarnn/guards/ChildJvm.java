package dev.panamarnn.guards;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs {@link GuardProbe} in a child JVM (the pattern of LoaderChildJvmTest: same java binary, same
 * class path, the rnn.* system properties passed on), with its hs_err file sent to a known
 * directory. A crash (exit 134 after SIGSEGV/SIGABRT, or any signal) becomes a readable result —
 * the case that was running, the exit code, the head of the hs_err file — instead of a lost run.
 */
record ChildJvm(int exit, String out, String err, String hsErr, boolean timedOut) {

    static ChildJvm run(Path errorDir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx256m");
        command.add("-XX:ErrorFile=" + errorDir.resolve("hs_err_pid%p.log"));
        command.add("-XX:-CreateCoredumpOnCrash");
        System.getProperties().stringPropertyNames().stream().filter(n -> n.startsWith("rnn."))
                .sorted().forEach(n -> command.add("-D" + n + "=" + System.getProperty(n)));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(GuardProbe.class.getName());
        command.addAll(List.of(args));
        Path out = errorDir.resolve("stdout.txt"), err = errorDir.resolve("stderr.txt");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        boolean finished = process.waitFor(180, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        String hsErr = "";
        try (Stream<Path> files = Files.list(errorDir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList()) {
                hsErr = Files.readString(p, StandardCharsets.ISO_8859_1);
            }
        }
        return new ChildJvm(finished ? process.exitValue() : -1, Files.readString(out), Files.readString(err), hsErr, !finished);
    }

    boolean crashed() {
        return timedOut || exit != 0 || !hsErr.isEmpty();
    }

    /** The case that was running when the child stopped, or "" when every started case finished. */
    String caseRunningAtTheEnd() {
        String running = "";
        for (String line : out.lines().toList()) {
            if (line.startsWith("START ")) {
                running = line.substring(6);
            } else if (line.startsWith("PASS ") || line.startsWith("FAIL ")) {
                running = "";
            }
        }
        return running;
    }

    /** Everything a failure message needs: exit code, the running case, the problem line of hs_err, the child's stderr. */
    String describe() {
        StringBuilder s = new StringBuilder();
        s.append(timedOut ? "child JVM timed out" : "child JVM exit code " + exit);
        if (!caseRunningAtTheEnd().isEmpty()) {
            s.append(", died during case '").append(caseRunningAtTheEnd()).append("'");
        }
        if (!hsErr.isEmpty()) {
            s.append("\n--- hs_err (head) ---\n");
            hsErr.lines().limit(25).forEach(l -> s.append(l).append('\n'));
        }
        s.append("--- child stderr (tail) ---\n");
        List<String> lines = err.lines().toList();
        lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(l -> s.append(l).append('\n'));
        return s.toString();
    }
}
