package dev.panamarnn.internal.kernels;

import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Plain-Java kernels: the executable specification of every primitive, the fallback when the
 * native libraries are missing, and the baseline the native path is measured against.
 * The matrix multiply is cache-blocked with packed panels in heap arrays, so its inner loop is a
 * unit-stride multiply-add over float[] that the JIT vectorises. Thread-safe; the packing buffers
 * are per thread and reused, so a steady-state call allocates nothing. Users get them through
 * {@link dev.panamarnn.kernels.KernelSelection#java()}.
 */
public final class JavaKernels implements Kernels {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** Depth of a packed panel (rows of op(B) per block). */
    private static final int KC = 256;
    /** Width of a packed panel (columns of op(B) per block); KC*NC floats = 512 KiB fits L2. */
    private static final int NC = 512;

    /**
     * Per-thread packing buffers: the op(B) panel as KC rows of NC floats, the A row (KC), the C row
     * (NC) and a strip of one B row (KC). The panel is an array of rows, not one flat array, so the
     * inner loop indexes C row and B row with the same j: C2 then sees no possible overlap at another
     * offset and vectorises it (docs/performance.md, "Notes moved from the code").
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final float[][] bRows = new float[KC][NC];   // (kc, nc) block of op(B)
        final float[] aRow = new float[KC];          // (kc) piece of row i of op(A), times alpha
        final float[] cRow = new float[NC];          // (nc) piece of row i of C
        final float[] bStrip = new float[KC];        // (kc) piece of one row of B when op(B) = B^T
        final float[] panelRow = new float[PACKED_PANEL]; // (32) one row of C against one panel of packed W
        final float[] panelPartials = new float[4 * PACKED_PANEL]; // (4, 32) sgemvPacked's partial sums over k mod 4
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float alpha, MemorySegment a, int lda, MemorySegment b, int ldb,
                      float beta, MemorySegment c, int ldc) {
        scaleC(m, n, beta, c, ldc);
        if (alpha == 0f || k == 0 || m == 0 || n == 0) {
            return;
        }
        Scratch scratch = SCRATCH.get();
        float[][] bRows = scratch.bRows;
        float[] aRow = scratch.aRow;
        float[] cRow = scratch.cRow;
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            for (int j0 = 0; j0 < n; j0 += NC) {
                int nc = Math.min(NC, n - j0);
                packB(transB, b, ldb, k0, kc, j0, nc, bRows, scratch.bStrip);
                for (int i = 0; i < m; i++) {
                    packARow(transA, a, lda, i, k0, kc, alpha, aRow);
                    long cOff = ((long) i * ldc + j0) * Float.BYTES;
                    MemorySegment.copy(c, F, cOff, cRow, 0, nc);
                    for (int p = 0; p < kc; p++) {
                        axpyRow(cRow, aRow[p], bRows[p], nc);   // C[i, j0:j0+nc] += alpha A[i,p] B[p, j0:j0+nc]
                    }
                    MemorySegment.copy(cRow, 0, c, F, cOff, nc);
                }
            }
        }
    }

    /** c[0:n] += a * b[0:n]: the unit-stride loop the JIT vectorises. */
    private static void axpyRow(float[] c, float a, float[] b, int n) {
        for (int j = 0; j < n; j++) {
            c[j] += a * b[j];
        }
    }

    /** C = beta * C; beta == 0 writes zeros (C is not read), as BLAS specifies. */
    private static void scaleC(int m, int n, float beta, MemorySegment c, int ldc) {
        if (beta == 1f) {
            return;
        }
        for (int i = 0; i < m; i++) {
            long row = (long) i * ldc;
            if (beta == 0f) {
                c.asSlice(row * Float.BYTES, (long) n * Float.BYTES).fill((byte) 0);
            } else {
                for (int j = 0; j < n; j++) {
                    c.setAtIndex(F, row + j, beta * c.getAtIndex(F, row + j));
                }
            }
        }
    }

    /** bRows[p][j] = op(B)[k0 + p, j0 + j]. */
    private static void packB(boolean transB, MemorySegment b, int ldb, int k0, int kc, int j0, int nc, float[][] bRows, float[] strip) {
        if (!transB) {   // B is (k, n): rows of the panel are contiguous
            for (int p = 0; p < kc; p++) {
                MemorySegment.copy(b, F, ((long) (k0 + p) * ldb + j0) * Float.BYTES, bRows[p], 0, nc);
            }
        } else {         // B is (n, k): op(B)[p, j] = B[j, p]; read each B row once, contiguously
            for (int j = 0; j < nc; j++) {
                MemorySegment.copy(b, F, ((long) (j0 + j) * ldb + k0) * Float.BYTES, strip, 0, kc);
                for (int p = 0; p < kc; p++) {
                    bRows[p][j] = strip[p];
                }
            }
        }
    }

    /** aRow[p] = alpha * op(A)[i, k0 + p]. */
    private static void packARow(boolean transA, MemorySegment a, int lda, int i, int k0, int kc, float alpha, float[] aRow) {
        if (!transA) {   // A is (m, k)
            MemorySegment.copy(a, F, ((long) i * lda + k0) * Float.BYTES, aRow, 0, kc);
        } else {         // A is (k, m): op(A)[i, p] = A[p, i]
            for (int p = 0; p < kc; p++) {
                aRow[p] = a.getAtIndex(F, (long) (k0 + p) * lda + i);
            }
        }
        if (alpha != 1f) {
            for (int p = 0; p < kc; p++) {
                aRow[p] *= alpha;
            }
        }
    }

    @Override
    public void packWeights(MemorySegment packed, MemorySegment w, int ldw, int n, int k) {
        for (int n0 = 0; n0 < n; n0 += PACKED_PANEL) {
            long panel = (long) n0 * k;                                   // panel of rows n0..n0+31: (k, 32)
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < PACKED_PANEL; j++) {
                    float v = n0 + j < n ? w.getAtIndex(F, (long) (n0 + j) * ldw + p) : 0f;
                    packed.setAtIndex(F, panel + (long) p * PACKED_PANEL + j, v);   // packed[panel][p][j] = W[n0 + j][p]
                }
            }
        }
    }

    @Override
    public void packWeightsTransposed(MemorySegment packed, MemorySegment wT, int ldw, int n, int k) {
        for (int n0 = 0; n0 < n; n0 += PACKED_PANEL) {
            long panel = (long) n0 * k;                                   // panel of rows n0..n0+31 of W: (k, 32)
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < PACKED_PANEL; j++) {
                    float v = n0 + j < n ? wT.getAtIndex(F, (long) p * ldw + n0 + j) : 0f;
                    packed.setAtIndex(F, panel + (long) p * PACKED_PANEL + j, v);   // packed[panel][p][j] = W^T[p][n0 + j]
                }
            }
        }
    }

    @Override
    public void sgemmPacked(int m, int n, int k, MemorySegment x, int ldx, MemorySegment packed, float beta,
                            MemorySegment y, int ldy) {
        float[] acc = SCRATCH.get().panelRow;
        for (int i = 0; i < m; i++) {
            for (int n0 = 0; n0 < n; n0 += PACKED_PANEL) {
                long panel = (long) n0 * k;
                Arrays.fill(acc, 0f);
                for (int p = 0; p < k; p++) {                           // acc[j] = sum_p x[i][p] W[n0 + j][p], p increasing
                    float xi = x.getAtIndex(F, (long) i * ldx + p);
                    for (int j = 0; j < PACKED_PANEL; j++) {
                        acc[j] += xi * packed.getAtIndex(F, panel + (long) p * PACKED_PANEL + j);
                    }
                }
                for (int j = 0; j < Math.min(PACKED_PANEL, n - n0); j++) {
                    long at = (long) i * ldy + n0 + j;
                    y.setAtIndex(F, at, beta == 0f ? acc[j] : beta * y.getAtIndex(F, at) + acc[j]);
                }
            }
        }
    }

    @Override
    public void sgemvPacked(int n, int k, MemorySegment x, MemorySegment packed, float beta, MemorySegment y) {
        Scratch scratch = SCRATCH.get();
        float[] acc = scratch.panelRow;
        float[] partial = scratch.panelPartials;
        for (int n0 = 0; n0 < n; n0 += PACKED_PANEL) {
            long panel = (long) n0 * k;
            Arrays.fill(partial, 0f);
            for (int p = 0; p < k; p++) {                               // partial[r][j] = sum_{p = r mod 4} x[p] W[n0 + j][p]
                float xp = x.getAtIndex(F, p);
                int r = (p & 3) * PACKED_PANEL;
                for (int j = 0; j < PACKED_PANEL; j++) {
                    partial[r + j] += xp * packed.getAtIndex(F, panel + (long) p * PACKED_PANEL + j);
                }
            }
            for (int j = 0; j < PACKED_PANEL; j++) {                    // (s0 + s1) + (s2 + s3)
                acc[j] = (partial[j] + partial[PACKED_PANEL + j]) + (partial[2 * PACKED_PANEL + j] + partial[3 * PACKED_PANEL + j]);
            }
            for (int j = 0; j < Math.min(PACKED_PANEL, n - n0); j++) {
                long at = n0 + j;
                y.setAtIndex(F, at, beta == 0f ? acc[j] : beta * y.getAtIndex(F, at) + acc[j]);
            }
        }
    }

    @Override
    public void sgemmAtB(int m, int n, int k, MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment scratch,
                         MemorySegment c, int ldc) {
        for (int p = 0; p < k; p++) {                                     // c[i][j] += a[p][i] b[p][j], p increasing
            for (int i = 0; i < m; i++) {
                float ai = a.getAtIndex(F, (long) p * lda + i);
                long row = (long) i * ldc;
                for (int j = 0; j < n; j++) {
                    c.setAtIndex(F, row + j, c.getAtIndex(F, row + j) + ai * b.getAtIndex(F, (long) p * ldb + j));
                }
            }
        }
    }

    @Override
    public void sgemv(boolean transA, int m, int n, float alpha, MemorySegment a, int lda,
                      MemorySegment x, float beta, MemorySegment y) {
        if (!transA) {   // y (m) = alpha A (m, n) x (n) + beta y
            for (int i = 0; i < m; i++) {
                float dot = 0f;
                long row = (long) i * lda;
                for (int j = 0; j < n; j++) {
                    dot += a.getAtIndex(F, row + j) * x.getAtIndex(F, j);
                }
                float old = beta == 0f ? 0f : beta * y.getAtIndex(F, i);
                y.setAtIndex(F, i, alpha * dot + old);
            }
        } else {         // y (n) = alpha A^T x (m) + beta y
            for (int j = 0; j < n; j++) {
                y.setAtIndex(F, j, beta == 0f ? 0f : beta * y.getAtIndex(F, j));
            }
            for (int i = 0; i < m; i++) {
                float xi = alpha * x.getAtIndex(F, i);
                long row = (long) i * lda;
                for (int j = 0; j < n; j++) {
                    y.setAtIndex(F, j, y.getAtIndex(F, j) + xi * a.getAtIndex(F, row + j));
                }
            }
        }
    }

    @Override
    public void saxpy(int n, float alpha, MemorySegment x, MemorySegment y) {
        for (long i = 0; i < n; i++) {
            y.setAtIndex(F, i, y.getAtIndex(F, i) + alpha * x.getAtIndex(F, i));
        }
    }

    @Override
    public void sscal(int n, float alpha, MemorySegment x) {
        for (long i = 0; i < n; i++) {
            x.setAtIndex(F, i, alpha * x.getAtIndex(F, i));
        }
    }

    @Override
    public float sdot(int n, MemorySegment x, MemorySegment y) {
        float sum = 0f;
        for (long i = 0; i < n; i++) {
            sum += x.getAtIndex(F, i) * y.getAtIndex(F, i);
        }
        return sum;
    }

    @Override
    public float snrm2(int n, MemorySegment x) {
        double sum = 0;   // double accumulation: no overflow for float inputs below ~1e154
        for (long i = 0; i < n; i++) {
            double v = x.getAtIndex(F, i);
            sum += v * v;
        }
        return (float) Math.sqrt(sum);
    }

    static float sigmoid(float x) {
        if (x >= 0f) {
            return (float) (1.0 / (1.0 + Math.exp(-x)));
        }
        double e = Math.exp(x);
        return (float) (e / (1.0 + e));
    }

    static float tanh(float x) {
        return (float) Math.tanh(x);
    }

    @Override
    public void lstmForwardStep(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment bias,
                                MemorySegment cPrev, int batch, int hidden) {
        long hs = hidden;
        for (long b = 0; b < batch; b++) {
            long g0 = b * 4 * hs;      // gates row b: i at g0, f at g0+H, g at g0+2H, o at g0+3H
            long s0 = b * hs;          // state row b
            for (long j = 0; j < hs; j++) {
                // pre-activation = the GEMMs + b_ih + b_hh
                float i = sigmoid(gates.getAtIndex(F, g0 + j) + bias.getAtIndex(F, j));
                float f = sigmoid(gates.getAtIndex(F, g0 + hs + j) + bias.getAtIndex(F, hs + j));
                float g = tanh(gates.getAtIndex(F, g0 + 2 * hs + j) + bias.getAtIndex(F, 2 * hs + j));
                float o = sigmoid(gates.getAtIndex(F, g0 + 3 * hs + j) + bias.getAtIndex(F, 3 * hs + j));
                float ct = f * cPrev.getAtIndex(F, s0 + j) + i * g;   // c_t = f c_{t-1} + i g
                gates.setAtIndex(F, g0 + j, i);
                gates.setAtIndex(F, g0 + hs + j, f);
                gates.setAtIndex(F, g0 + 2 * hs + j, g);
                gates.setAtIndex(F, g0 + 3 * hs + j, o);
                c.setAtIndex(F, s0 + j, ct);
                h.setAtIndex(F, s0 + j, o * tanh(ct));                 // h_t = o tanh(c_t)
            }
        }
    }

    @Override
    public void lstmBackwardStep(MemorySegment dgates, MemorySegment dc, MemorySegment dh,
                                 MemorySegment gates, MemorySegment cPrev, MemorySegment c,
                                 int batch, int hidden) {
        long hs = hidden;
        for (long b = 0; b < batch; b++) {
            long g0 = b * 4 * hs;
            long s0 = b * hs;
            for (long j = 0; j < hs; j++) {
                float i = gates.getAtIndex(F, g0 + j);
                float f = gates.getAtIndex(F, g0 + hs + j);
                float g = gates.getAtIndex(F, g0 + 2 * hs + j);
                float o = gates.getAtIndex(F, g0 + 3 * hs + j);
                float tc = tanh(c.getAtIndex(F, s0 + j));
                float dht = dh.getAtIndex(F, s0 + j);
                float dct = dc.getAtIndex(F, s0 + j) + dht * o * (1f - tc * tc);   // total dL/dc_t
                dgates.setAtIndex(F, g0 + j, dct * g * i * (1f - i));                 // d i_pre
                dgates.setAtIndex(F, g0 + hs + j, dct * cPrev.getAtIndex(F, s0 + j) * f * (1f - f)); // d f_pre
                dgates.setAtIndex(F, g0 + 2 * hs + j, dct * i * (1f - g * g));        // d g_pre
                dgates.setAtIndex(F, g0 + 3 * hs + j, dht * tc * o * (1f - o));       // d o_pre
                dc.setAtIndex(F, s0 + j, dct * f);                                     // dc_{t-1}
            }
        }
    }
    @Override
    public void gruForwardStep(MemorySegment h, MemorySegment xg, MemorySegment hg, MemorySegment bIh,
                               MemorySegment bHh, MemorySegment hPrev, int batch, int hidden) {
        long hs = hidden;
        for (long b = 0; b < batch; b++) {
            long g0 = b * 3 * hs;      // r at g0, z at g0+H, n at g0+2H
            long s0 = b * hs;
            for (long j = 0; j < hs; j++) {
                float hr = hg.getAtIndex(F, g0 + j) + bHh.getAtIndex(F, j);
                float hz = hg.getAtIndex(F, g0 + hs + j) + bHh.getAtIndex(F, hs + j);
                float hn = hg.getAtIndex(F, g0 + 2 * hs + j) + bHh.getAtIndex(F, 2 * hs + j);
                float xr = xg.getAtIndex(F, g0 + j) + bIh.getAtIndex(F, j);             // W_ir x + b_ir
                float xz = xg.getAtIndex(F, g0 + hs + j) + bIh.getAtIndex(F, hs + j);
                float xn = xg.getAtIndex(F, g0 + 2 * hs + j) + bIh.getAtIndex(F, 2 * hs + j);
                float r = sigmoid(xr + hr);
                float z = sigmoid(xz + hz);
                float n = tanh(xn + r * hn);   // n = tanh(W_in x + b_in + r (W_hn h + b_hn))
                float hp = hPrev.getAtIndex(F, s0 + j);
                xg.setAtIndex(F, g0 + j, r);
                xg.setAtIndex(F, g0 + hs + j, z);
                xg.setAtIndex(F, g0 + 2 * hs + j, n);
                hg.setAtIndex(F, g0 + j, hr);
                hg.setAtIndex(F, g0 + hs + j, hz);
                hg.setAtIndex(F, g0 + 2 * hs + j, hn);
                h.setAtIndex(F, s0 + j, n + z * (hp - n));                     // h_t = (1 - z) n + z h_{t-1}
            }
        }
    }

    @Override
    public void gruBackwardStep(MemorySegment dxg, MemorySegment dhg, MemorySegment dhPrev, MemorySegment dh,
                                MemorySegment xg, MemorySegment hg, MemorySegment hPrev, int batch, int hidden) {
        long hs = hidden;
        for (long b = 0; b < batch; b++) {
            long g0 = b * 3 * hs;
            long s0 = b * hs;
            for (long j = 0; j < hs; j++) {
                float r = xg.getAtIndex(F, g0 + j);
                float z = xg.getAtIndex(F, g0 + hs + j);
                float n = xg.getAtIndex(F, g0 + 2 * hs + j);
                float hn = hg.getAtIndex(F, g0 + 2 * hs + j);
                float dht = dh.getAtIndex(F, s0 + j);
                float dnPre = dht * (1f - z) * (1f - n * n);                      // dn (1 - n^2)
                float dzPre = dht * (hPrev.getAtIndex(F, s0 + j) - n) * z * (1f - z);
                float drPre = dnPre * hn * r * (1f - r);
                dxg.setAtIndex(F, g0 + j, drPre);
                dxg.setAtIndex(F, g0 + hs + j, dzPre);
                dxg.setAtIndex(F, g0 + 2 * hs + j, dnPre);
                dhg.setAtIndex(F, g0 + j, drPre);
                dhg.setAtIndex(F, g0 + hs + j, dzPre);
                dhg.setAtIndex(F, g0 + 2 * hs + j, dnPre * r);
                dhPrev.setAtIndex(F, s0 + j, dht * z);                             // direct path h_t <- z h_{t-1}
            }
        }
    }

    @Override
    public void gruResetBeforeGatesForwardStep(MemorySegment xg, MemorySegment rh, MemorySegment hrz, MemorySegment bIh,
                                               MemorySegment bHh, MemorySegment hPrev, int batch, int hidden) {
        long hs = hidden;
        for (long b = 0; b < batch; b++) {
            long g0 = b * 3 * hs;      // r at g0, z at g0+H (n at g0+2H, not read)
            long p0 = b * 2 * hs;      // hr at p0, hz at p0+H
            long s0 = b * hs;
            for (long j = 0; j < hs; j++) {
                float xr = xg.getAtIndex(F, g0 + j) + bIh.getAtIndex(F, j);             // W_ir x + b_ir
                float xz = xg.getAtIndex(F, g0 + hs + j) + bIh.getAtIndex(F, hs + j);
                float hr = hrz.getAtIndex(F, p0 + j) + bHh.getAtIndex(F, j);           // W_hr h + b_hr
                float hz = hrz.getAtIndex(F, p0 + hs + j) + bHh.getAtIndex(F, hs + j);
                float r = sigmoid(xr + hr);
                float z = sigmoid(xz + hz);
                xg.setAtIndex(F, g0 + j, r);
                xg.setAtIndex(F, g0 + hs + j, z);
                rh.setAtIndex(F, s0 + j, r * hPrev.getAtIndex(F, s0 + j));            // r * h_{t-1}
            }
        }
    }

    @Override
    public void gruResetBeforeStateForwardStep(MemorySegment h, MemorySegment xg, MemorySegment hn, MemorySegment bIh,
                                               MemorySegment bHh, MemorySegment hPrev, int batch, int hidden) {
        long hs = hidden;
        for (long b = 0; b < batch; b++) {
            long g0 = b * 3 * hs;
            long s0 = b * hs;
            for (long j = 0; j < hs; j++) {
                float xn = xg.getAtIndex(F, g0 + 2 * hs + j) + bIh.getAtIndex(F, 2 * hs + j);          // W_in x + b_in
                float an = hn.getAtIndex(F, s0 + j) + bHh.getAtIndex(F, 2 * hs + j);                 // W_hn (r h) + b_hn
                float n = tanh(xn + an);
                float z = xg.getAtIndex(F, g0 + hs + j);
                float hp = hPrev.getAtIndex(F, s0 + j);
                xg.setAtIndex(F, g0 + 2 * hs + j, n);
                h.setAtIndex(F, s0 + j, n + z * (hp - n));                     // h_t = (1 - z) n + z h_{t-1}
            }
        }
    }

    @Override
    public void gruResetBeforeStateBackwardStep(MemorySegment dxg, MemorySegment dhPrev, MemorySegment dh, MemorySegment xg,
                                                MemorySegment hPrev, int batch, int hidden) {
        long hs = hidden;
        for (long b = 0; b < batch; b++) {
            long g0 = b * 3 * hs;
            long s0 = b * hs;
            for (long j = 0; j < hs; j++) {
                float z = xg.getAtIndex(F, g0 + hs + j);
                float n = xg.getAtIndex(F, g0 + 2 * hs + j);
                float dht = dh.getAtIndex(F, s0 + j);
                float dn = dht * (1f - z);                                         // dh_t/dn = 1 - z
                float dz = dht * (hPrev.getAtIndex(F, s0 + j) - n);                // dh_t/dz = h_{t-1} - n
                dxg.setAtIndex(F, g0 + 2 * hs + j, dn * (1f - n * n));             // dn_pre
                dxg.setAtIndex(F, g0 + hs + j, dz * z * (1f - z));                 // dz_pre
                dhPrev.setAtIndex(F, s0 + j, dht * z);                             // direct path h_t <- z h_{t-1}
            }
        }
    }

    @Override
    public void gruResetBeforeGatesBackwardStep(MemorySegment dxg, MemorySegment dhPrev, MemorySegment drh, MemorySegment xg,
                                                MemorySegment hPrev, int batch, int hidden) {
        long hs = hidden;
        for (long b = 0; b < batch; b++) {
            long g0 = b * 3 * hs;
            long s0 = b * hs;
            for (long j = 0; j < hs; j++) {
                float r = xg.getAtIndex(F, g0 + j);
                float d = drh.getAtIndex(F, s0 + j);
                float dr = d * hPrev.getAtIndex(F, s0 + j);                        // d(r h)/dr = h_{t-1}
                dxg.setAtIndex(F, g0 + j, dr * r * (1f - r));                      // dr_pre
                dhPrev.setAtIndex(F, s0 + j, dhPrev.getAtIndex(F, s0 + j) + d * r); // d(r h)/dh_{t-1} = r
            }
        }
    }

    @Override
    public void rnnForwardStep(boolean relu, MemorySegment h, MemorySegment pre, MemorySegment bias,
                               int batch, int hidden) {
        for (long b = 0; b < batch; b++) {
            long s0 = b * hidden;
            for (long j = 0; j < hidden; j++) {
                float p = pre.getAtIndex(F, s0 + j) + bias.getAtIndex(F, j);   // + b_ih + b_hh
                h.setAtIndex(F, s0 + j, relu ? (p <= 0f ? 0f : p) : tanh(p));   // relu keeps NaN as NaN
            }
        }
    }

    @Override
    public void rnnBackwardStep(boolean relu, MemorySegment dpre, MemorySegment dh, MemorySegment h, int batch, int hidden) {
        long n = (long) batch * hidden;
        for (long i = 0; i < n; i++) {
            float hv = h.getAtIndex(F, i);
            float d = dh.getAtIndex(F, i);
            dpre.setAtIndex(F, i, relu ? (hv <= 0f ? 0f : d) : d * (1f - hv * hv));
        }
    }

    /** True for {@link MemorySegment#NULL} (or null): an optional buffer that was left out. */
    private static boolean absent(MemorySegment s) {
        return s == null || MemorySegment.NULL.equals(s);
    }

    @Override
    public double softmaxCrossEntropyForwardBackward(MemorySegment dlogits, MemorySegment losses, MemorySegment logits,
                                                     MemorySegment targets, MemorySegment mask, float gradScale,
                                                     int rows, int vocab) {
        return softmaxCrossEntropy(dlogits, losses, logits, targets, mask, gradScale, rows, vocab);
    }

    /** {@link #softmaxCrossEntropyForwardBackward}. */
    private static double softmaxCrossEntropy(MemorySegment dlogits, MemorySegment losses, MemorySegment logits,
                                             MemorySegment targets, MemorySegment mask, float gradScale, int rows, int vocab) {
        boolean gradient = !absent(dlogits), perRow = !absent(losses), masked = !absent(mask);
        long v = vocab;
        double total = 0;
        for (long n = 0; n < rows; n++) {
            float w = masked ? mask.getAtIndex(F, n) : 1f;
            long row = n * v;                          // logits_n, dlogits_n at [row, row + V)
            if (w == 0f) {                             // padded row: no loss, no gradient
                for (long j = 0; gradient && j < v; j++) {
                    dlogits.setAtIndex(F, row + j, 0f);
                }
                if (perRow) {
                    losses.setAtIndex(F, n, 0f);
                }
                continue;
            }
            float m = Float.NEGATIVE_INFINITY;         // row maximum (a NaN never wins; it makes the sum NaN)
            for (long j = 0; j < v; j++) {
                float x = logits.getAtIndex(F, row + j);
                m = x > m ? x : m;
            }
            int t = targets.getAtIndex(ValueLayout.JAVA_INT, n);
            float xt = logits.getAtIndex(F, row + t);  // read before an in-place gradient overwrites it
            double s = 0;                              // sum_j e^{x_j - m} >= 1
            for (long j = 0; j < v; j++) {
                float e = (float) Math.exp(logits.getAtIndex(F, row + j) - m);
                s += e;
                if (gradient) {
                    dlogits.setAtIndex(F, row + j, e);
                }
            }
            double loss = Math.log(s) - ((double) xt - m);   // -log softmax_t = log s - (x_t - m)
            if (gradient) {
                double r = (double) w * gradScale / s;          // dlogits_j = w scale e_j / s
                double et = dlogits.getAtIndex(F, row + t);
                for (long j = 0; j < v; j++) {
                    dlogits.setAtIndex(F, row + j, (float) (dlogits.getAtIndex(F, row + j) * r));
                }
                dlogits.setAtIndex(F, row + t, (float) ((et - s) * r));   // (p_t - 1) without cancellation
            }
            if (perRow) {
                losses.setAtIndex(F, n, (float) loss);
            }
            total += w * loss;
        }
        return total;
    }

    @Override
    public double ctcForwardBackward(MemorySegment dlogits, MemorySegment rowLosses, MemorySegment logits, MemorySegment lengths,
                                     MemorySegment labels, MemorySegment labelOffsets, MemorySegment rowScale, MemorySegment scratch,
                                     int steps, int batch, int classes, int blank) {
        return JavaCtc.forwardBackward(dlogits, rowLosses, logits, lengths, labels, labelOffsets, rowScale, scratch, steps, batch, classes, blank);
    }

    @Override
    public void adamStep(MemorySegment param, MemorySegment expAvg, MemorySegment expAvgSq, MemorySegment grad,
                         double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled,
                         double biasCorrection1, double biasCorrection2, long n) {
        adam(param, expAvg, expAvgSq, grad, lr, beta1, beta2, eps, weightDecay, decoupled, biasCorrection1, biasCorrection2, n);
    }

    /** {@link #adamStep}. */
    private static void adam(MemorySegment param, MemorySegment expAvg, MemorySegment expAvgSq, MemorySegment grad,
                            double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled,
                            double biasCorrection1, double biasCorrection2, long n) {
        // the float constants exactly as rnnk_adam_step rounds them, so both give the same bits
        boolean l2 = !decoupled && weightDecay != 0;
        float wd = (float) weightDecay;
        float decayFactor = (float) (1.0 - lr * weightDecay);
        float b1 = (float) beta1, oneMinusB1 = (float) (1.0 - beta1);
        float b2 = (float) beta2, oneMinusB2 = (float) (1.0 - beta2);
        float negStepSize = (float) (-(lr / biasCorrection1));
        float bc2Sqrt = (float) Math.sqrt(biasCorrection2);
        float epsF = (float) eps;
        for (long k = 0; k < n; k++) {
            float theta = param.getAtIndex(F, k);
            if (decoupled) {
                theta = theta * decayFactor;                          // AdamW: theta (1 - lr wd)
            }
            float g = grad.getAtIndex(F, k);
            if (l2) {
                g = g + wd * theta;                                   // Adam: g + wd theta
            }
            float m = expAvg.getAtIndex(F, k) * b1 + oneMinusB1 * g;                // m = beta1 m + (1 - beta1) g
            float v = expAvgSq.getAtIndex(F, k) * b2 + (oneMinusB2 * g) * g;        // v = beta2 v + (1 - beta2) g^2
            float denom = (float) Math.sqrt(v) / bc2Sqrt + epsF;    // sqrt rounded once to float, as sqrtf
            expAvg.setAtIndex(F, k, m);
            expAvgSq.setAtIndex(F, k, v);
            param.setAtIndex(F, k, theta + (negStepSize * m) / denom);
        }
    }

    @Override
    public void sgdStep(MemorySegment param, MemorySegment momentumBuffer, MemorySegment grad,
                        double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                        boolean firstStep, long n) {
        sgd(param, momentumBuffer, grad, lr, momentum, dampening, weightDecay, nesterov, firstStep, n);
    }

    /** {@link #sgdStep}. */
    private static void sgd(MemorySegment param, MemorySegment momentumBuffer, MemorySegment grad,
                           double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                           boolean firstStep, long n) {
        boolean l2 = weightDecay != 0;
        float wd = (float) weightDecay;
        float negLr = (float) (-lr);
        float mu = (float) momentum, oneMinusDampening = (float) (1.0 - dampening);
        for (long k = 0; k < n; k++) {
            float theta = param.getAtIndex(F, k);
            float d = grad.getAtIndex(F, k);
            if (l2) {
                d = d + wd * theta;                                   // d = g + wd theta
            }
            if (momentum != 0) {
                float b = firstStep ? d : momentumBuffer.getAtIndex(F, k) * mu + oneMinusDampening * d;
                momentumBuffer.setAtIndex(F, k, b);
                d = nesterov ? d + mu * b : b;
            }
            param.setAtIndex(F, k, theta + negLr * d);
        }
    }

    /**
     * The specification of the int8 product: {@link Int8Rows} per row of x (rows {@link Int8Packing#rowStride}
     * bytes apart, padded with the code 128), exact int sums with the packed weights, then the float scaling.
     */
    @Override
    public void int8Linear(MemorySegment y, int ldy, MemorySegment xq, MemorySegment xScale, MemorySegment x, int ldx,
                           MemorySegment w, MemorySegment wScale, MemorySegment wComp, float beta, int rows, int n, int k) {
        long ldq = Int8Packing.rowStride(k);
        for (int b = 0; b < rows; b++) {
            xScale.setAtIndex(F, b, Int8Rows.quantize(xq, b * ldq, Int8Rows.ACTIVATION_OFFSET, x, (long) b * ldx, k));
            for (long i = k; i < ldq; i++) {                             // the row's padding: the code of 0
                xq.set(ValueLayout.JAVA_BYTE, b * ldq + i, (byte) Int8Rows.ACTIVATION_OFFSET);
            }
        }
        for (int b = 0; b < rows; b++) {
            float sb = xScale.getAtIndex(F, b);
            for (int j = 0; j < n; j++) {
                int sum = 0;                                             // sum_k (q[b, k] - 128) * w[j, k], exact
                for (int i = 0; i < k; i++) {
                    int v = Byte.toUnsignedInt(xq.get(ValueLayout.JAVA_BYTE, b * ldq + i)) - Int8Rows.ACTIVATION_OFFSET;
                    sum += v * w.get(ValueLayout.JAVA_BYTE, Int8Packing.at(j, i, k));
                }
                float value = (float) sum * (sb * wScale.getAtIndex(F, j));
                long at = (long) b * ldy + j;
                y.setAtIndex(F, at, beta == 0f ? value : beta * y.getAtIndex(F, at) + value);
            }
        }
    }

    /** The specification of the bf16 product: {@link Bf16} rounding of x, exact products summed in double, rounded once to float. */
    @Override
    public void bf16Linear(MemorySegment y, int ldy, MemorySegment xBf16, MemorySegment x, int ldx, MemorySegment w, float beta,
                           int rows, int n, int k) {
        for (int b = 0; b < rows; b++) {
            Bf16.roundRow(xBf16, (long) b * k, x, (long) b * ldx, k);
        }
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;                                          // sum_k x[b, k] w[j, k], each product exact
                for (int i = 0; i < k; i++) {
                    sum += (double) Bf16.widen(xBf16.getAtIndex(ValueLayout.JAVA_SHORT, (long) b * k + i))
                            * Bf16.widen(w.getAtIndex(ValueLayout.JAVA_SHORT, (long) j * k + i));
                }
                long at = (long) b * ldy + j;
                y.setAtIndex(F, at, beta == 0f ? (float) sum : beta * y.getAtIndex(F, at) + (float) sum);
            }
        }
    }
}
