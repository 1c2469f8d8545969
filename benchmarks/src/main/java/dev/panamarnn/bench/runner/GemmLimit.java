package dev.panamarnn.bench.runner;

import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The GEMM-bound limit of a step: exactly the GEMMs the unroller performs for a shape (the
 * input projection, T recurrent GEMMs per layer and direction; in backward T dh GEMMs and the
 * dW_ih, dW_hh, dX GEMMs), each distinct shape timed alone on the same kernels, summed with its
 * count. Bias broadcasts and reductions (K=1 GEMMs, GEMVs) are left out: they are not useful FLOPs.
 * The operands are allocated once, so the limit can be timed again in every round of a run.
 */
final class GemmLimit implements AutoCloseable {
    /** One GEMM shape op(A) (m, k) * op(B) (k, n) and how often the step runs it. */
    record Gemm(boolean transA, boolean transB, int m, int n, int k, int count) {
        int rowsA() { return transA ? k : m; }
        int colsA() { return transA ? m : k; }
        int rowsB() { return transB ? n : k; }
        int colsB() { return transB ? k : n; }
    }

    /** A GEMM with its operands A (rowsA, colsA), B (rowsB, colsB), C (m, n). */
    private record Operands(Gemm gemm, MemorySegment a, MemorySegment b, MemorySegment c) {}

    private final Kernels kernels;
    private final Arena arena = Arena.ofConfined();
    private final List<Operands> operands = new ArrayList<>();

    GemmLimit(Kernels kernels, List<Gemm> gemms) {
        this.kernels = kernels;
        for (Gemm g : gemms) {
            operands.add(new Operands(g, filled((long) g.rowsA() * g.colsA()), filled((long) g.rowsB() * g.colsB()),
                    filled((long) g.m() * g.n())));
        }
    }

    static List<Gemm> forwardGemms(Shape s) {
        Map<String, Gemm> gemms = new LinkedHashMap<>();
        int gw = s.cell().gates() * s.hidden(), rows = s.steps() * s.batch();
        for (int l = 0; l < s.layers(); l++) {
            int in = l == 0 ? s.input() : s.directions() * s.hidden();
            for (int d = 0; d < s.directions(); d++) {
                add(gemms, new Gemm(false, true, rows, gw, in, 1));                   // gates = X W_ih^T
                add(gemms, new Gemm(false, true, s.batch(), gw, s.hidden(), s.steps())); // gates_t += h W_hh^T
            }
        }
        return new ArrayList<>(gemms.values());
    }

    static List<Gemm> backwardGemms(Shape s) {
        Map<String, Gemm> gemms = new LinkedHashMap<>();
        int gw = s.cell().gates() * s.hidden(), rows = s.steps() * s.batch();
        for (int l = 0; l < s.layers(); l++) {
            int in = l == 0 ? s.input() : s.directions() * s.hidden();
            for (int d = 0; d < s.directions(); d++) {
                add(gemms, new Gemm(false, false, s.batch(), s.hidden(), gw, s.steps())); // dh_{t-1} = dG_t W_hh
                add(gemms, new Gemm(true, false, gw, in, rows, 1));                      // dW_ih += dG^T X
                add(gemms, new Gemm(true, false, gw, s.hidden(), rows, 1));              // dW_hh += dG^T H
                add(gemms, new Gemm(false, false, rows, in, gw, 1));                     // dX = dG W_ih
            }
        }
        return new ArrayList<>(gemms.values());
    }

    private static void add(Map<String, Gemm> gemms, Gemm g) {
        String key = g.transA() + "," + g.transB() + "," + g.m() + "," + g.n() + "," + g.k();
        Gemm old = gemms.get(key);
        gemms.put(key, old == null ? g : new Gemm(g.transA(), g.transB(), g.m(), g.n(), g.k(), old.count() + g.count()));
    }

    /** Sum over the GEMMs of (median time of one call, at least {@code minRepeats} timed) * count, in ms. */
    double timeMs(double warmupSeconds, double measureSeconds, int minRepeats) {
        double total = 0;
        for (Operands o : operands) {
            Gemm g = o.gemm();
            // calls of 1 ms or less are batched so the timer's resolution does not matter
            int inner = Math.max(1, Math.min(g.count(), 64));
            // one-row products run as GEMV, as the unroller does (M=1 sgemm is much slower)
            boolean gemv = g.m() == 1 && !g.transA();
            Timer.Result r = Timer.time(() -> {
                for (int i = 0; i < inner; i++) {
                    if (gemv) {
                        kernels.sgemv(!g.transB(), g.rowsB(), g.colsB(), 1f, o.b(), g.colsB(), o.a(), 1f, o.c());
                    } else {
                        kernels.sgemm(g.transA(), g.transB(), g.m(), g.n(), g.k(), 1f, o.a(), g.colsA(), o.b(), g.colsB(),
                                1f, o.c(), g.n());
                    }
                }
            }, warmupSeconds, measureSeconds, minRepeats, 1000);
            total += r.medianMs() / inner * g.count();
        }
        return total;
    }

    private MemorySegment filled(long floats) {
        MemorySegment s = arena.allocate(Math.max(1, floats) * Float.BYTES, 64);
        SplittableRandom random = new SplittableRandom(floats);
        for (long i = 0; i < floats; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (random.nextDouble() - 0.5) * 0.1f);
        }
        return s;
    }

    @Override
    public void close() {
        arena.close();
    }
}
