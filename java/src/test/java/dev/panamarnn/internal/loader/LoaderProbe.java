package dev.panamarnn.internal.loader;

import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;

/**
 * Child-JVM entry point for {@link LoaderChildJvmTest} and {@link SharedPoolTest}: prints the name
 * of the selected kernels and, given the argument {@code threading}, who runs the threads.
 */
public final class LoaderProbe {
    private LoaderProbe() {}

    public static void main(String[] args) {
        System.out.println(KernelSelection.selected().name());
        if (args.length > 0 && args[0].equals("threading")) {
            System.out.println(NativeLibraries.load().threading());
        }
    }
}
