package dev.panamarnn.internal.loader;

import static dev.panamarnn.testing.TestData.array;
import static dev.panamarnn.testing.TestData.segment;
import static dev.panamarnn.testing.TestData.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panamarnn.internal.bindings.rnnk.rnnk_h;
import dev.panamarnn.internal.kernels.NativeKernels;
import dev.panamarnn.kernels.KernelsForTests;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * librnnk's thread pool (-Drnn.pool): the LSTM and GRU step kernels give bit-identical results
 * whether their rows run on one thread or are split over several, every output element is written
 * by the split (outputs start as NaN), and the setting is reported and validated.
 */
class SharedPoolTest {
    private NativeKernels kernels;

    @AfterEach
    void restoreThreads() {
        if (kernels != null) {
            rnnk_h.rnnk_pool_set_threads(kernels.status().blasThreads());
        }
    }

    /** Runs the step with the pool at each thread count; returns every output of every run. */
    private List<float[]> runAt(int[] threadCounts, IntFunction<float[]> step) {
        kernels = KernelsForTests.nativeKernels();
        List<float[]> outputs = new ArrayList<>();
        for (int threads : threadCounts) {
            assertEquals(threads, rnnk_h.rnnk_pool_set_threads(threads), "rnnk_pool_set_threads return value");
            assertEquals(threads, rnnk_h.rnnk_pool_threads());
            outputs.add(step.apply(threads));
        }
        return outputs;
    }

    private static MemorySegment nanFilled(Arena arena, long floats) {
        MemorySegment s = arena.allocate(4 * floats, 64);
        s.fill((byte) 0xFF);   // 0xFFFFFFFF is a NaN: an element the split never wrote stays NaN
        return s;
    }

    private static float[] concat(MemorySegment... segments) {
        List<float[]> parts = new ArrayList<>();
        int n = 0;
        for (MemorySegment s : segments) {
            float[] a = array(s);
            parts.add(a);
            n += a.length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] a : parts) {
            System.arraycopy(a, 0, all, at, a.length);
            at += a.length;
        }
        return all;
    }

    private static void assertBitIdentical(List<float[]> outputs, String what) {
        float[] reference = outputs.get(0);
        for (int i = 0; i < reference.length; i++) {
            assertTrue(!Float.isNaN(reference[i]), what + ": element " + i + " was never written on one thread");
        }
        for (int run = 1; run < outputs.size(); run++) {
            float[] got = outputs.get(run);
            assertEquals(reference.length, got.length);
            for (int i = 0; i < reference.length; i++) {
                if (Float.floatToRawIntBits(reference[i]) != Float.floatToRawIntBits(got[i])) {
                    throw new AssertionError(what + ", run " + run + ": element " + i + " is " + got[i]
                            + " but " + reference[i] + " on one thread");
                }
            }
        }
    }

    private static final int[] THREADS = {1, 2, 3};

    @ParameterizedTest(name = "LSTM B={0} H={1}")
    @CsvSource({"64,256", "7,3001", "2,4096", "64,8"})
    void lstmStepIsBitIdenticalOnAnyThreadCount(int batch, int hidden) {
        int bh = batch * hidden;
        float[] pre = uniform(11, 4 * bh, 3), cPrev = uniform(12, bh, 1.5);
        float[] dh = uniform(13, bh, 1), dcNext = uniform(14, bh, 1), bias = uniform(15, 4 * hidden, 1);
        List<float[]> outputs = runAt(THREADS, threads -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment gates = segment(arena, pre), cp = segment(arena, cPrev);
                MemorySegment h = nanFilled(arena, bh), c = nanFilled(arena, bh);
                kernels.lstmForwardStep(h, c, gates, segment(arena, bias), cp, batch, hidden);
                MemorySegment dgates = nanFilled(arena, 4L * bh), dc = segment(arena, dcNext);
                kernels.lstmBackwardStep(dgates, dc, segment(arena, dh), gates, cp, c, batch, hidden);
                return concat(h, c, gates, dgates, dc);
            }
        });
        assertBitIdentical(outputs, "LSTM B=" + batch + " H=" + hidden);
    }

    @ParameterizedTest(name = "GRU B={0} H={1}")
    @CsvSource({"64,256", "7,3001", "3,8192", "64,8"})
    void gruStepIsBitIdenticalOnAnyThreadCount(int batch, int hidden) {
        int bh = batch * hidden;
        float[] xgIn = uniform(21, 3 * bh, 3), hgIn = uniform(22, 3 * bh, 3), bias = uniform(23, 3 * hidden, 1);
        float[] hPrevIn = uniform(24, bh, 1), dhIn = uniform(25, bh, 1), inputBias = uniform(26, 3 * hidden, 1);
        List<float[]> outputs = runAt(THREADS, threads -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment xg = segment(arena, xgIn), hg = segment(arena, hgIn), hPrev = segment(arena, hPrevIn);
                MemorySegment h = nanFilled(arena, bh);
                kernels.gruForwardStep(h, xg, hg, segment(arena, inputBias), segment(arena, bias), hPrev, batch, hidden);
                MemorySegment dxg = nanFilled(arena, 3L * bh), dhg = nanFilled(arena, 3L * bh), dhPrev = nanFilled(arena, bh);
                kernels.gruBackwardStep(dxg, dhg, dhPrev, segment(arena, dhIn), xg, hg, hPrev, batch, hidden);
                return concat(h, xg, hg, dxg, dhg, dhPrev);
            }
        });
        assertBitIdentical(outputs, "GRU B=" + batch + " H=" + hidden);
    }

    @ParameterizedTest(name = "RNN tanh B={0} H={1}")
    @CsvSource({"64,256", "7,3001", "2,8192", "64,8"})
    void rnnTanhStepIsBitIdenticalOnAnyThreadCount(int batch, int hidden) {
        int bh = batch * hidden;
        float[] pre = uniform(31, bh, 4), bias = uniform(32, hidden, 1);
        List<float[]> outputs = runAt(THREADS, threads -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment h = nanFilled(arena, bh), inPlace = segment(arena, pre), b = segment(arena, bias);
                kernels.rnnForwardStep(false, h, segment(arena, pre), b, batch, hidden);   // h = tanh(pre + b)
                kernels.rnnForwardStep(false, inPlace, inPlace, b, batch, hidden);         // in place
                return concat(h, inPlace);
            }
        });
        assertBitIdentical(outputs, "RNN tanh B=" + batch + " H=" + hidden);
    }

    @Test
    void aThreadCountBelowOneMeansNoSplitting() {
        kernels = KernelsForTests.nativeKernels();
        assertEquals(1, rnnk_h.rnnk_pool_set_threads(0));
        assertEquals(1, rnnk_h.rnnk_pool_set_threads(-5));
        assertEquals(1, rnnk_h.rnnk_pool_threads());
    }

    @Test
    void thePoolIsOnByDefaultAndReported() {
        kernels = KernelsForTests.nativeKernels();
        assumeTrue(System.getProperty(SharedPool.PROPERTY) == null, "-Drnn.pool is set for this run");
        String threading = kernels.status().threading();
        assertTrue(threading.startsWith("librnnk's pool runs OpenBLAS's jobs"), threading);
        assertTrue(threading.endsWith("(" + kernels.status().blasThreads() + " threads)"), threading);
    }

    @Test
    void offOnRequestAndABadValueIsNamed() throws Exception {
        kernels = KernelsForTests.nativeKernels();
        LoaderChildJvmTest.Result off = LoaderChildJvmTest.runProbe(
                List.of("-Drnn.native.strict=true", "-Drnn.pool=false"), List.of("threading"));
        assertEquals(0, off.exit(), off.err());
        assertEquals("native\noff (-Drnn.pool=false): OpenBLAS's own threads, kernels on the caller", off.out());

        LoaderChildJvmTest.Result bad = LoaderChildJvmTest.runProbe(
                List.of("-Drnn.native.strict=true", "-Drnn.pool=yes"), List.of("threading"));
        assertNotEquals(0, bad.exit(), "a bad -Drnn.pool must fail in strict mode; stdout: " + bad.out());
        assertTrue(bad.err().contains("-Drnn.pool must be true or false, got 'yes'"), bad.err());
    }
}
