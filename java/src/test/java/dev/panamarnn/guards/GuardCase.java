package dev.panamarnn.guards;

import dev.panamarnn.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;

/**
 * One named guard case: a body of {@link Guards} checks against one kernel set. The cases whose
 * calls reach the kernels are listed here so the same list runs in this JVM on the pure-Java
 * kernels and in a child JVM on the native ones (where a missing guard would crash the JVM).
 */
record GuardCase(String name, Guards.Call body) {

    /** Every case whose entry point reaches the kernels, with {@code kernels} as the kernel set. */
    static List<GuardCase> reachingKernels(Kernels kernels) {
        List<GuardCase> all = new ArrayList<>();
        all.addAll(KernelCases.all(kernels));
        all.addAll(UnrollCases.all(kernels));
        all.addAll(TrainingCases.all(kernels));
        all.addAll(InferenceCases.all(kernels));
        all.addAll(ModelCases.all(kernels));
        return all;
    }
}
