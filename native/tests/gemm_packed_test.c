/*
 * gemm_packed_test.c — rnnk_sgemm_pack + rnnk_sgemm_packed against a double-precision product
 * C = beta C + A W^T, over shapes that cover every tile remainder (8-, 2- and 1-row tiles, a
 * 96-row chunk boundary, partial 32-column panels), K = 0, padded leading dimensions and beta in
 * {0, 1, 0.5}. Each element must be within (K + 2) * 2^-24 * (sum_k |a w| + |beta c|) of the
 * exact value (the bound of a float sum of K + 1 terms with one rounding per multiply-add); with
 * beta = 0 a NaN in C must not leak; C's padding columns and the packed panels' padding must be as
 * specified. rnnk_sgemm_pack_transposed, given W^T (K, N) with a padded stride, must write the
 * same packed form bit for bit (guard floats intact). Linked against the dispatching library and
 * each single-ISA build (CMakeLists.txt).
 */
#include <math.h>
#include "rnnk.h"
#define TEST_SEED 20261207u
#include "test_support.h"

static int64_t MS[] = {1, 2, 3, 7, 8, 9, 17, 96, 97, 100};
static int64_t NS[] = {1, 5, 31, 32, 33, 64, 70};
static int64_t KS[] = {0, 1, 7, 70};
static const float BETAS[] = {0.0f, 1.0f, 0.5f};
#define COUNT(x) (sizeof x / sizeof x[0])

/* the packed form's size and its zero padding, for one (N, K) */
static void check_packing(const float *packed, int64_t N, int64_t K) {
    int64_t panels = (N + 31) / 32;
    if (rnnk_sgemm_packed_floats(N, K) != panels * 32 * K && failures++ < 30)
        printf("FAIL packed_floats(%lld, %lld) = %lld\n", (long long)N, (long long)K,
               (long long)rnnk_sgemm_packed_floats(N, K));
    for (int64_t k = 0; k < K; k++)
        for (int64_t j = N; j < panels * 32; j++)
            if (packed[((j / 32) * K + k) * 32 + j % 32] != 0.0f && failures++ < 30)
                printf("FAIL pack N=%lld K=%lld: padding row %lld not zero\n", (long long)N, (long long)K, (long long)j);
}

/* packed from W^T (K, N; stride N + 5) must equal packed from W bit for bit */
static void check_pack_transposed(const float *packed, const float *w, int64_t ldw, int64_t N, int64_t K, int off) {
    int64_t ldt = N + 5, floats = rnnk_sgemm_packed_floats(N, K);
    float *wt = buffer(K * ldt, off), *from_t = buffer(floats, off);
    for (int64_t k = 0; k < K; k++)
        for (int64_t n = 0; n < ldt; n++) wt[k * ldt + n] = n < N ? w[n * ldw + k] : NAN;   /* NaN padding: never read */
    for (int64_t i = 0; i < floats; i++) from_t[i] = NAN;
    rnnk_sgemm_pack_transposed(from_t, wt, ldt, N, K);
    check_guard("pack_transposed", from_t, floats);
    if (memcmp(from_t, packed, (size_t)floats * sizeof(float)) != 0 && failures++ < 30)
        printf("FAIL pack_transposed N=%lld K=%lld differs from pack\n", (long long)N, (long long)K);
    release(wt, off); release(from_t, off);
}

static double test_case(int64_t M, int64_t N, int64_t K, float beta, int off) {
    int64_t lda = K + 2, ldw = K + 3, ldc = N + 2;
    float *a = buffer(M * lda, off), *w = buffer(N * ldw, off), *c = buffer(M * ldc, off);
    float *packed = buffer(rnnk_sgemm_packed_floats(N, K), 0), *c0 = malloc((size_t)(M * ldc) * sizeof(float));
    for (int64_t i = 0; i < M * lda; i++) a[i] = uniform();
    for (int64_t i = 0; i < N * ldw; i++) w[i] = uniform();
    for (int64_t i = 0; i < M * ldc; i++) c0[i] = c[i] = beta == 0.0f && i % 7 == 0 ? NAN : uniform();
    rnnk_sgemm_pack(packed, w, ldw, N, K);
    check_guard("pack", packed, rnnk_sgemm_packed_floats(N, K));
    check_packing(packed, N, K);
    check_pack_transposed(packed, w, ldw, N, K, off);
    rnnk_sgemm_packed(c, ldc, a, lda, packed, beta, M, N, K);
    double worst = 0;
    for (int64_t m = 0; m < M; m++) {
        for (int64_t n = 0; n < ldc; n++) {
            float got = c[m * ldc + n];
            if (n >= N) {   /* padding: untouched, bit for bit */
                if (memcmp(&got, &c0[m * ldc + n], sizeof got) != 0 && failures++ < 30)
                    printf("FAIL sgemm_packed M=%lld N=%lld K=%lld wrote padding column %lld\n",
                           (long long)M, (long long)N, (long long)K, (long long)n);
                continue;
            }
            double want = beta == 0.0f ? 0.0 : (double)beta * c0[m * ldc + n];
            double scale = fabs(want);
            for (int64_t k = 0; k < K; k++) {
                double p = (double)a[m * lda + k] * w[n * ldw + k];
                want += p;
                scale += fabs(p);
            }
            double bound = (double)(K + 2) * 0x1p-24 * scale, err = fabs(got - want);
            double ratio = bound > 0 ? err / bound : (err == 0 ? 0 : INFINITY);
            if (ratio > worst || got != got) worst = got != got ? INFINITY : ratio;
            if (!(err <= bound) && failures++ < 30)
                printf("FAIL sgemm_packed M=%lld N=%lld K=%lld beta=%g at (%lld, %lld): %.9g vs %.9g\n",
                       (long long)M, (long long)N, (long long)K, beta, (long long)m, (long long)n, got, want);
        }
    }
    check_guard("sgemm_packed C", c, M * ldc);
    release(a, off); release(w, off); release(c, off); release(packed, 0); free(c0);
    return worst;
}

int main(void) {
#if defined(RNNK_TEST_NEEDS_ISA) && defined(__GNUC__)
    if (!__builtin_cpu_supports(RNNK_TEST_NEEDS_ISA)) {
        printf("gemm_packed_test: skipped, this build of the kernels needs %s\n", RNNK_TEST_NEEDS_ISA);
        return 77;
    }
#endif
    (void)hash_floats;   /* not hashed: the FMA clones round differently from the baseline */
    double worst = 0;
    int cases = 0;
    for (size_t mi = 0; mi < COUNT(MS); mi++)
    for (size_t ni = 0; ni < COUNT(NS); ni++)
    for (size_t ki = 0; ki < COUNT(KS); ki++)
    for (size_t bi = 0; bi < COUNT(BETAS); bi++) {
        double r = test_case(MS[mi], NS[ni], KS[ki], BETAS[bi], (int)((mi + ni) % 2));
        if (r > worst) worst = r;
        cases++;
    }
    printf("gemm_packed_test: %d cases, largest error / bound %.3g, %ld failures\n", cases, worst, failures);
    return failures == 0 ? 0 : 1;
}
