package dev.panamarnn.guards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.KernelsForTests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every guard case that reaches the kernels, on the native kernels, in a child JVM: a guard that
 * lets a bad argument through to OpenBLAS or librnnk may crash the JVM, and that must fail this
 * test (naming the case, with the hs_err head) rather than kill the test run. One dynamic test per
 * case, plus one for the child's exit.
 */
class GuardCasesNativeChildJvmTest {
    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicTest> everyCaseOnTheNativeKernelsInAChildJvm() throws Exception {
        KernelsForTests.nativeKernels();   // skips (or fails when strict) without native kernels
        ChildJvm child = ChildJvm.run(dir);
        List<String> lines = child.out().lines().toList();
        System.out.println("[GuardCasesNativeChildJvmTest] " + lines.stream().filter(l -> l.startsWith("DONE")).findFirst()
                .orElse("child did not finish: " + child.describe()));
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(DynamicTest.dynamicTest("the child JVM ran every case and exited normally", () -> {
            assertFalse(child.crashed(), child::describe);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("DONE cases=")), child::describe);
        }));
        for (String name : GuardProbe.names(KernelSelection.java())) {
            tests.add(DynamicTest.dynamicTest(name, () -> {
                if (lines.contains("PASS " + name)) {
                    return;
                }
                String failure = lines.stream().filter(l -> l.startsWith("FAIL " + name + ":")).findFirst().orElse(null);
                if (failure != null) {
                    fail(failure.replace(" | ", "\n"));
                }
                fail("case '" + name + "' did not finish in the child JVM: " + child.describe());
            }));
        }
        return tests.stream();
    }

    /** The harness itself: a real native crash in the child is a readable failure here, not a dead test run. */
    @Test
    void aNativeCrashInTheChildIsReportedWithItsHsErrFile() throws Exception {
        KernelsForTests.nativeKernels();
        ChildJvm child = ChildJvm.run(dir, "crash");
        assertTrue(child.crashed(), "the deliberate null write must crash the child: " + child.out());
        assertEquals("crash on purpose", child.caseRunningAtTheEnd(), child.describe());
        assertTrue(child.hsErr().contains("SIGSEGV"), child.describe());
        assertTrue(child.describe().contains("died during case 'crash on purpose'"), child.describe());
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("hs_err")), "hs_err file in the test's directory");
        }
    }
}
