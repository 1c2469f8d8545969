/*
 * gemm_packed_test.c — rnnk_sgemm_pack + rnnk_sgemm_packed against a double-precision product
 * C = beta C + A W^T, over shapes that cover every tile remainder (8-, 2- and 1-row tiles, a
 * 96-row chunk boundary, partial 32-column panels), K = 0, padded leading dimensions and beta in
 * {0, 1, 0.5}. Each element must be within (K + 2) * 2^-24 * (sum_k |a w| + |beta c|) of the
 * exact value (the bound of a float sum of K + 1 terms with one rounding per multiply-add); with
 * beta = 0 a NaN in C must not leak; C's padding columns and the packed panels' padding must be as
 * specified. rnnk_sgemm_pack_transposed, given W^T (K, N) with a padded stride, must write the
 * same packed form bit for bit (guard floats intact).
 *
 * rnnk_sgemm_atb, the weight gradients' product C += A^T B with A (K, M) and B (K, N) as stored, the
 * same way over shapes that cover every tile and block remainder: rows of C in 8-row strips and
 * 128-row chunks (M = 1..129), partial 32-column panels (N), blocks of 512 k (K = 0, 1, 511, 513,
 * 1030), padded leading dimensions, its scratch filled with NaN first; the bound is
 * (K + 2) * 2^-24 * (|c| + sum_k |a b|). And the order: every element must be exactly the float
 * chain c + a_0 b_0 + a_1 b_1 + ... in increasing k, all with FMA (fmaf) or all with a rounded
 * product then a rounded sum, whatever the blocks. Linked against the dispatching library and each
 * single-ISA build (CMakeLists.txt).
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

/* error / bound of one element of C against its exact value, the bound (K + 2) 2^-24 scale; prints a failure */
static double element_error(const char *what, int64_t M, int64_t N, int64_t K, int64_t m, int64_t n, float got,
                            double want, double scale) {
    double bound = (double)(K + 2) * 0x1p-24 * scale, err = fabs(got - want);
    if (!(err <= bound) && failures++ < 30)
        printf("FAIL %s M=%lld N=%lld K=%lld at (%lld, %lld): %.9g vs %.9g\n", what, (long long)M, (long long)N,
               (long long)K, (long long)m, (long long)n, got, want);
    if (got != got) return INFINITY;
    return bound > 0 ? err / bound : (err == 0 ? 0 : INFINITY);
}

/* a padding column n >= N of C: untouched, bit for bit */
static void check_padding(const char *what, int64_t M, int64_t N, int64_t K, int64_t n, float got, float before) {
    if (memcmp(&got, &before, sizeof got) != 0 && failures++ < 30)
        printf("FAIL %s M=%lld N=%lld K=%lld wrote padding column %lld\n", what, (long long)M, (long long)N, (long long)K,
               (long long)n);
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
    char what[40];
    snprintf(what, sizeof what, "sgemm_packed beta=%g", beta);
    double worst = 0;
    for (int64_t m = 0; m < M; m++) {
        for (int64_t n = 0; n < ldc; n++) {
            float got = c[m * ldc + n];
            if (n >= N) {
                check_padding(what, M, N, K, n, got, c0[m * ldc + n]);
                continue;
            }
            double want = beta == 0.0f ? 0.0 : (double)beta * c0[m * ldc + n];
            double scale = fabs(want);
            for (int64_t k = 0; k < K; k++) {
                double p = (double)a[m * lda + k] * w[n * ldw + k];
                want += p;
                scale += fabs(p);
            }
            double ratio = element_error(what, M, N, K, m, n, got, want, scale);
            if (ratio > worst) worst = ratio;
        }
    }
    check_guard("sgemm_packed C", c, M * ldc);
    release(a, off); release(w, off); release(c, off); release(packed, 0); free(c0);
    return worst;
}

/* rnnk_sgemm_atb, the weight gradients' product C += A^T B (K, M)^T (K, N) */
static int64_t ATB_MS[] = {1, 2, 3, 7, 8, 9, 17, 129};
static int64_t ATB_NS[] = {1, 5, 32, 33, 70};
static int64_t ATB_KS[] = {0, 1, 511, 513, 1030};

/* one element's chains, in increasing k: with fmaf, and with the product rounded before the sum */
static void chains(const float *a, int64_t lda, const float *b, int64_t ldb, float c, int64_t m, int64_t n, int64_t K,
                   float *fused, float *plain) {
    float f = c, p = c;
    for (int64_t k = 0; k < K; k++) {
        f = fmaf(a[k * lda + m], b[k * ldb + n], f);
        volatile float product = a[k * lda + m] * b[k * ldb + n];
        p = p + product;
    }
    *fused = f;
    *plain = p;
}

/* the largest error / bound of one case; *order_fused, *order_plain cleared where the chain differs */
static double atb_case(int64_t M, int64_t N, int64_t K, int off, int *order_fused, int *order_plain) {
    int64_t lda = M + 3, ldb = N + 2, ldc = N + 5, scratch_floats = rnnk_sgemm_atb_scratch_floats(N);
    float *a = buffer(K * lda, off), *b = buffer(K * ldb, off), *c = buffer(M * ldc, off);
    float *scratch = buffer(scratch_floats, off), *c0 = malloc((size_t)(M * ldc) * sizeof(float));
    for (int64_t i = 0; i < K * lda; i++) a[i] = uniform();
    for (int64_t i = 0; i < K * ldb; i++) b[i] = uniform();
    for (int64_t i = 0; i < M * ldc; i++) c0[i] = c[i] = uniform();
    for (int64_t i = 0; i < scratch_floats; i++) scratch[i] = NAN;   /* scratch's contents must not matter */
    rnnk_sgemm_atb(c, ldc, a, lda, b, ldb, scratch, M, N, K);
    check_guard("sgemm_atb scratch", scratch, scratch_floats);
    check_guard("sgemm_atb C", c, M * ldc);
    double worst = 0;
    for (int64_t m = 0; m < M; m++) {
        for (int64_t n = 0; n < ldc; n++) {
            float got = c[m * ldc + n];
            if (n >= N) {
                check_padding("sgemm_atb", M, N, K, n, got, c0[m * ldc + n]);
                continue;
            }
            double want = c0[m * ldc + n], scale = fabs(want);
            for (int64_t k = 0; k < K; k++) {
                double p = (double)a[k * lda + m] * b[k * ldb + n];
                want += p;
                scale += fabs(p);
            }
            double ratio = element_error("sgemm_atb", M, N, K, m, n, got, want, scale);
            if (ratio > worst) worst = ratio;
            float fused, plain;
            chains(a, lda, b, ldb, c0[m * ldc + n], m, n, K, &fused, &plain);
            if (got != fused) *order_fused = 0;
            if (got != plain) *order_plain = 0;
        }
    }
    release(a, off); release(b, off); release(c, off); release(scratch, off); free(c0);
    return worst;
}


/* every rnnk_sgemm_atb case; returns the largest error / bound */
static double atb_cases(void) {
    if (rnnk_sgemm_atb_scratch_floats(70) < rnnk_sgemm_atb_scratch_floats(64) && failures++ < 30)
        printf("FAIL sgemm_atb_scratch_floats shrinks with N\n");
    double worst = 0;
    int cases = 0, fused_cases = 0, plain_cases = 0;
    for (size_t mi = 0; mi < COUNT(ATB_MS); mi++)
    for (size_t ni = 0; ni < COUNT(ATB_NS); ni++)
    for (size_t ki = 0; ki < COUNT(ATB_KS); ki++) {
        int order_fused = 1, order_plain = 1;
        double r = atb_case(ATB_MS[mi], ATB_NS[ni], ATB_KS[ki], (int)((mi + ni) % 2), &order_fused, &order_plain);
        if (r > worst) worst = r;
        if (!order_fused && !order_plain && failures++ < 30)
            printf("FAIL sgemm_atb M=%lld N=%lld K=%lld: not the chain in increasing k (neither fused nor plain)\n",
                   (long long)ATB_MS[mi], (long long)ATB_NS[ni], (long long)ATB_KS[ki]);
        fused_cases += order_fused;
        plain_cases += order_plain;
        cases++;
    }
    printf("gemm_packed_test: rnnk_sgemm_atb %d cases, %d the fused chain, %d the plain one\n", cases, fused_cases, plain_cases);
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
    double atb_worst = atb_cases();
    printf("gemm_packed_test: %d cases, largest error / bound %.3g (rnnk_sgemm_atb: %.3g), %ld failures\n", cases, worst,
           atb_worst, failures);
    return failures == 0 ? 0 : 1;
}
