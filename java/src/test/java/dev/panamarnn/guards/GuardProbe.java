package dev.panamarnn.guards;

import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The child JVM of {@link GuardCasesNativeChildJvmTest}: runs every guard case on the native
 * kernels and reports each on stdout, flushed before the next one starts, so when a missing guard
 * crashes this JVM the parent knows which case did it:
 * <pre>
 *   START name / PASS name / FAIL name: reason (one line) / DONE cases=N checks=M
 * </pre>
 * Arguments: case names to run only those. {@code crash} calls the unchecked native kernels with a null pointer on purpose: the
 * parent's test that a crash is reported as a failure (with the hs_err file), not a lost run.
 */
public final class GuardProbe {
    private GuardProbe() {}

    public static void main(String[] args) {
        Kernels kernels = KernelSelection.nativeKernels();
        if (args.length > 0 && args[0].equals("crash")) {
            System.out.println("START crash on purpose");
            System.out.flush();
            kernels.sscal(1 << 20, 2f, MemorySegment.NULL);   // writes through address 0: SIGSEGV
            System.out.println("PASS crash on purpose (it did not crash)");
            return;
        }
        List<GuardCase> cases = GuardCase.reachingKernels(kernels);
        if (args.length > 0) {   // only the named cases (to find every case that crashes, one child each)
            List<String> names = List.of(args);
            cases = cases.stream().filter(c -> names.contains(c.name())).toList();
        }
        run(cases);
    }

    static void run(List<GuardCase> cases) {
        int passed = 0;
        for (GuardCase c : cases) {
            System.out.println("START " + c.name());
            System.out.flush();
            try {
                c.body().run();
                System.out.println("PASS " + c.name());
                passed++;
            } catch (Throwable t) {
                StringWriter trace = new StringWriter();
                t.printStackTrace(new PrintWriter(trace));
                System.out.println("FAIL " + c.name() + ": " + trace.toString().replace("\n", " | "));
            }
            System.out.flush();
        }
        System.out.println("DONE cases=" + cases.size() + " passed=" + passed + " checks=" + Guards.CHECKS.get());
        System.out.flush();
    }

    /** For a parent without native kernels at hand: the case names (bodies not run). */
    static List<String> names(Kernels any) {
        return GuardCase.reachingKernels(any).stream().map(GuardCase::name).toList();
    }
}
