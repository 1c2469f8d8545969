package dev.panamarnn.internal.kernels;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The routing rules of the packed products ({@link PackedGemm}), case by case: the weight
 * gradients' product on librnnk's AVX-512 kernel only against OpenBLAS's narrower kernels on one
 * thread; the forward's and a single row's products only where librnnk has its AVX-512 tiles.
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

    @Test
    void packedProductsNeedAvx512TilesAndAtLeastTwoRows() {
        assertTrue(PackedGemm.covers(64, 1, true), "a 64-stream step");
        assertTrue(PackedGemm.covers(6400, 1, true), "a whole pass on one OpenBLAS thread");
        assertTrue(PackedGemm.covers(PackedGemm.MAX_ROWS_ANY_THREADS, 2, true), "a step while OpenBLAS has two threads");
        assertFalse(PackedGemm.covers(PackedGemm.MAX_ROWS_ANY_THREADS + 1, 2, true), "a pass while OpenBLAS has two threads");
        assertFalse(PackedGemm.covers(1, 1, true), "one row is a GEMV");
        assertFalse(PackedGemm.covers(64, 1, false), "no AVX-512 tiles: OpenBLAS");
        assertTrue(PackedGemm.coversVector(true));
        assertFalse(PackedGemm.coversVector(false), "no AVX-512: OpenBLAS's sgemv");
    }

    @Test
    void smallProductsNeedAvx512() {
        assertTrue(SmallGemm.covers(16, 256, 256, true));
        assertFalse(SmallGemm.covers(16, 256, 256, false), "no AVX-512: OpenBLAS");
        assertFalse(SmallGemm.covers(64, 1024, 512, true), "over the limit: OpenBLAS");
    }
}
