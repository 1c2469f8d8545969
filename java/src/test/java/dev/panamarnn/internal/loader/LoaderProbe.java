package dev.panamarnn.internal.loader;

import dev.panamarnn.kernels.Kernels;

/** Child-JVM entry point for {@link LoaderChildJvmTest}: prints the name of the selected kernels. */
public final class LoaderProbe {
    private LoaderProbe() {}

    public static void main(String[] args) {
        System.out.println(Kernels.selected().name());
    }
}
