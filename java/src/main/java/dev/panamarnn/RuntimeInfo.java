package dev.panamarnn;

import dev.panamarnn.internal.kernels.NativeKernels;
import dev.panamarnn.internal.loader.BuildInfo;
import dev.panamarnn.internal.loader.NativeLibraries;
import dev.panamarnn.internal.loader.Platform;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What this JVM runs on: library version, platform, the kernels chosen, and for the native kernels
 * where librnnk and OpenBLAS were loaded from and how OpenBLAS is configured (core, threads).
 */
public record RuntimeInfo(String version, String platform, String javaVersion, String kernels,
                          NativeLibraries.Status nativeStatus) {

    /** Describes the current JVM (selecting the kernels if that has not happened yet). */
    public static RuntimeInfo current() {
        Kernels kernels = KernelSelection.selected();
        NativeLibraries.Status status = kernels instanceof NativeKernels n ? n.status() : null;
        return new RuntimeInfo(BuildInfo.version(), Platform.current(), Runtime.version().toString(), kernels.name(), status);
    }

    /** Sets OpenBLAS's thread count; only meaningful with the native kernels. */
    public static void setBlasThreads(int threads) {
        NativeLibraries.setBlasThreads(threads);
    }

    /** Ordered key/value view for printing. */
    public Map<String, String> asMap() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("panama-rnn", version);
        map.put("platform", platform);
        map.put("java", javaVersion);
        map.put("kernels", kernels);
        if (nativeStatus != null) {
            map.put("librnnk", nativeStatus.rnnkPath() + " (abi " + nativeStatus.rnnkAbi() + ")");
            map.put("openblas", nativeStatus.blasPath());
            map.put("openblas config", nativeStatus.blasConfig());
            map.put("openblas core", nativeStatus.blasCore());
            map.put("openblas threads", Integer.toString(nativeStatus.blasThreads()));
            map.put("threading", nativeStatus.threading());
            map.put("librnnk gemm", NativeKernels.avx512Tiles() ? "AVX-512: small, packed and one-row products on librnnk where faster"
                    : "no AVX-512 on this CPU: every product on OpenBLAS");
        }
        String coreType = System.getenv("OPENBLAS_CORETYPE");
        map.put("OPENBLAS_CORETYPE", coreType == null ? "(unset: detected by OpenBLAS)" : coreType);
        map.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        return map;
    }
}
