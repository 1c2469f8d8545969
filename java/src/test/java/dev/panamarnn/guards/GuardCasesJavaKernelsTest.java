package dev.panamarnn.guards;

import dev.panamarnn.kernels.KernelSelection;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every guard case that reaches the kernels, on the pure-Java kernels, in this JVM (they cannot
 * crash it); {@link GuardCasesNativeChildJvmTest} runs the same cases on the native kernels.
 */
class GuardCasesJavaKernelsTest {

    @TestFactory
    Stream<DynamicTest> everyCaseOnThePureJavaKernels() {
        return GuardCase.reachingKernels(KernelSelection.java()).stream()
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> c.body().run()));
    }

    @AfterAll
    static void report() {
        System.out.println("[GuardCasesJavaKernelsTest] " + GuardCase.reachingKernels(KernelSelection.java()).size()
                + " cases; checks made in this JVM by the guard suite so far: " + Guards.CHECKS.get());
    }
}
