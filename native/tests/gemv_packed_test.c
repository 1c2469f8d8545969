/*
 * gemv_packed_test.c — rnnk_sgemv_packed (one row on the packed form) against a double-precision
 * product y = beta y + W x, over N across partial 32-row panels, K across every remainder mod 4
 * (the kernel's four partial sums) up to 515, beta in {0, 1, 0.5}, unaligned x and y. Each
 * element must be within (K + 2) * 2^-24 * (sum_k |w x| + |beta y|) of the exact value (a float
 * sum of K + 1 terms, in any order, one rounding per addition and per multiply); with beta = 0 a
 * NaN in y must not leak; nothing past y[N - 1] may be written. Linked against the dispatching
 * library and each single-ISA build (CMakeLists.txt).
 */
#include <math.h>
#include "rnnk.h"
#define TEST_SEED 20261208u
#include "test_support.h"

static int64_t NS[] = {1, 5, 31, 32, 33, 64, 70, 1024};
static int64_t KS[] = {0, 1, 2, 3, 4, 5, 6, 7, 70, 512, 515};
static const float BETAS[] = {0.0f, 1.0f, 0.5f};
#define COUNT(x) (sizeof x / sizeof x[0])

static double test_case(int64_t N, int64_t K, float beta, int off) {
    int64_t ldw = K + 3;
    float *x = buffer(K, off), *w = buffer(N * ldw, 0), *y = buffer(N, off);
    float *packed = buffer(rnnk_sgemm_packed_floats(N, K), 0), *y0 = malloc((size_t)(N + 1) * sizeof(float));
    for (int64_t i = 0; i < K; i++) x[i] = uniform();
    for (int64_t i = 0; i < N * ldw; i++) w[i] = uniform();
    for (int64_t i = 0; i < N; i++) y0[i] = y[i] = beta == 0.0f && i % 7 == 0 ? NAN : uniform();
    rnnk_sgemm_pack(packed, w, ldw, N, K);
    rnnk_sgemv_packed(y, x, packed, beta, N, K);
    double worst = 0;
    for (int64_t n = 0; n < N; n++) {
        double want = beta == 0.0f ? 0.0 : (double)beta * y0[n];
        double scale = fabs(want);
        for (int64_t k = 0; k < K; k++) {
            double p = (double)w[n * ldw + k] * x[k];
            want += p;
            scale += fabs(p);
        }
        double bound = (double)(K + 2) * 0x1p-24 * scale, err = fabs(y[n] - want);
        double ratio = bound > 0 ? err / bound : (err == 0 ? 0 : INFINITY);
        if (ratio > worst || y[n] != y[n]) worst = y[n] != y[n] ? INFINITY : ratio;
        if (!(err <= bound) && failures++ < 30)
            printf("FAIL sgemv_packed N=%lld K=%lld beta=%g at %lld: %.9g vs %.9g\n",
                   (long long)N, (long long)K, beta, (long long)n, y[n], want);
    }
    check_guard("sgemv_packed y", y, N);
    release(x, off); release(w, 0); release(y, off); release(packed, 0); free(y0);
    return worst;
}

int main(void) {
    if (isa_missing("gemv_packed_test")) return 77;
    (void)hash_floats;   /* not hashed: the FMA clones round differently from the baseline */
    double worst = 0;
    int cases = 0;
    for (size_t c = 0; c < COUNT(NS) * COUNT(KS) * COUNT(BETAS); c++) {   /* every (N, K, beta) */
        size_t ni = c / (COUNT(KS) * COUNT(BETAS)), ki = c / COUNT(BETAS) % COUNT(KS), bi = c % COUNT(BETAS);
        double r = test_case(NS[ni], KS[ki], BETAS[bi], (int)((ni + ki) % 2));
        if (r > worst) worst = r;
        cases++;
    }
    printf("gemv_packed_test: %d cases, largest error / bound %.3g, %ld failures\n", cases, worst, failures);
    return failures == 0 ? 0 : 1;
}
