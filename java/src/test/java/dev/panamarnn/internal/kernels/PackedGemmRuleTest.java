package dev.panamarnn.internal.kernels;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The routing rule of the weight gradients' product ({@link PackedGemm#coversAtB}), case by case:
 * librnnk's AVX-512 kernel only against OpenBLAS's narrower kernels on one thread.
 */
class PackedGemmRuleTest {

    @Test
    void weightGradientsLeaveOpenBlasOnlyForItsNarrowerKernelsOnOneThread() {
        assertTrue(PackedGemm.coversAtB(true, 1, PackedGemm.avx512Core("Haswell")), "AVX2 kernels, one thread");
        assertTrue(PackedGemm.coversAtB(true, 1, PackedGemm.avx512Core("Zen")), "AVX2 kernels, one thread");
        assertTrue(PackedGemm.coversAtB(true, 1, PackedGemm.avx512Core(null)), "core unknown: not an AVX-512 one");
        assertFalse(PackedGemm.coversAtB(true, 1, PackedGemm.avx512Core("Cooperlake")), "OpenBLAS's own AVX-512 kernels");
        assertFalse(PackedGemm.coversAtB(true, 1, PackedGemm.avx512Core("SKYLAKEX")), "OpenBLAS's own AVX-512 kernels, any case");
        assertFalse(PackedGemm.coversAtB(true, 1, PackedGemm.avx512Core("SapphireRapids")), "OpenBLAS's own AVX-512 kernels");
        assertFalse(PackedGemm.coversAtB(true, 2, PackedGemm.avx512Core("Haswell")), "OpenBLAS with two threads");
        assertFalse(PackedGemm.coversAtB(false, 1, PackedGemm.avx512Core("Haswell")), "librnnk without AVX-512 tiles");
    }
}
