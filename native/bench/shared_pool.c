/*
 * shared_pool.c — does the fused kernel stop costing its whole single-core time once it runs on
 * the same threads as OpenBLAS? (a measurement for docs/performance.md, not a test).
 *
 * step_breakdown shows the loop costs its GEMMs plus its kernel: the kernel runs on the calling
 * thread while OpenBLAS's second thread waits, and a helper thread of our own either wakes too
 * late (sleeping) or fights OpenBLAS's spinning worker for the two cores (spinning). Here one
 * pool serves both: it is installed with openblas_set_threads_callback_function (OpenBLAS
 * >= 0.3.27 then hands every threaded GEMM's jobs to it instead of to its own workers) and the
 * same pool splits the fused kernel's rows across its threads. The threads spin a short while
 * between jobs, then sleep, so no thread waits for a core held by another spinning thread.
 *
 * Variants, timed in blocks (each block alone long enough for idle threads of the other
 * threading to fall asleep), all on the unroller's inference loop for one layer:
 *   openblas: gemm            the T recurrent GEMMs on OpenBLAS's own threads (the bound's GEMMs)
 *   openblas: gemm + kernel   the loop as librnnk runs it today
 *   pool: gemm                the same GEMMs with their jobs run by the pool
 *   pool: gemm + kernel       ... and the kernel on the calling thread only
 *   pool: gemm + split kernel ... and the kernel's rows split over the pool's threads
 *
 *   shared_pool lstm|gru T B H [rounds]     (pool size: OpenBLAS's thread count)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rnnk.h"
#include "bench_support.h"
#include "recurrent_loop.h"

int openblas_get_num_threads(void);
/* OpenBLAS >= 0.3.27, cblas.h: caller-managed threading */
typedef void (*openblas_dojob_callback)(int thread_num, void *jobdata, int dojob_data);
typedef void (*openblas_threads_callback)(int sync, openblas_dojob_callback dojob, int numjobs,
                                          size_t jobdata_elsize, void *jobdata, int dojob_data);
void openblas_set_threads_callback_function(openblas_threads_callback callback);

/* ---- the pool: part 0 on the caller, part p on helper p; spin, then sleep ---- */

#define POOL_MAX 16
#define SPIN_SECONDS 200e-6      /* a helper's wait before it sleeps: a few steps' gaps */

struct pool {
    int threads;                                  /* caller included */
    pthread_t helper[POOL_MAX];
    void (*work)(void *arg, int part, int parts); /* the current task */
    void *arg;
    int parts;
    atomic_ulong generation;                      /* bumped per task */
    atomic_int pending;                           /* helpers not done with the current task */
    atomic_int sleepers;
    atomic_int stop;
    pthread_mutex_t lock;
    pthread_cond_t wake;
};

static struct pool POOL;

struct helper_id { int part; };
static struct helper_id HELPER_IDS[POOL_MAX];

static void *helper_main(void *p) {
    int part = ((struct helper_id *)p)->part;
    unsigned long seen = 0;
    for (;;) {
        double spin_until = now() + SPIN_SECONDS;
        unsigned long g;
        int spins = 0;
        while ((g = atomic_load_explicit(&POOL.generation, memory_order_acquire)) == seen
               && !atomic_load(&POOL.stop)) {
            __builtin_ia32_pause();
            if ((++spins & 63) == 0 && now() > spin_until) {
                pthread_mutex_lock(&POOL.lock);
                atomic_fetch_add(&POOL.sleepers, 1);
                while (atomic_load(&POOL.generation) == seen && !atomic_load(&POOL.stop)) {
                    pthread_cond_wait(&POOL.wake, &POOL.lock);
                }
                atomic_fetch_sub(&POOL.sleepers, 1);
                pthread_mutex_unlock(&POOL.lock);
                spin_until = now() + SPIN_SECONDS;
            }
        }
        if (atomic_load(&POOL.stop)) return NULL;
        seen = g;
        if (part < POOL.parts) POOL.work(POOL.arg, part, POOL.parts);
        atomic_fetch_sub_explicit(&POOL.pending, 1, memory_order_release);
    }
}

/* runs work(arg, p, parts) for p in 0..parts-1 concurrently, one part per thread */
static void pool_run(void (*work)(void *, int, int), void *arg, int parts) {
    if (parts > POOL.threads) {
        fprintf(stderr, "shared_pool: %d concurrent parts asked of a pool of %d threads\n", parts,
                POOL.threads);
        abort();
    }
    POOL.work = work;
    POOL.arg = arg;
    POOL.parts = parts;
    atomic_store(&POOL.pending, POOL.threads - 1);
    atomic_fetch_add(&POOL.generation, 1);   /* seq_cst: ordered with the sleepers load */
    if (atomic_load(&POOL.sleepers) > 0) {
        pthread_mutex_lock(&POOL.lock);
        pthread_cond_broadcast(&POOL.wake);
        pthread_mutex_unlock(&POOL.lock);
    }
    work(arg, 0, parts);
    while (atomic_load_explicit(&POOL.pending, memory_order_acquire) > 0) __builtin_ia32_pause();
}

static void pool_start(int threads) {
    POOL.threads = threads;
    pthread_mutex_init(&POOL.lock, NULL);
    pthread_cond_init(&POOL.wake, NULL);
    for (int p = 1; p < threads; p++) {
        HELPER_IDS[p].part = p;
        pthread_create(&POOL.helper[p], NULL, helper_main, &HELPER_IDS[p]);
    }
}

/* OpenBLAS's jobs: level-3 jobs wait for each other, so all of them must run at once */
struct blas_jobs { openblas_dojob_callback dojob; char *data; size_t size; int dojob_data; };

static void run_blas_job(void *arg, int part, int parts) {
    (void)parts;
    struct blas_jobs *jobs = arg;
    jobs->dojob(part, jobs->data + (size_t)part * jobs->size, jobs->dojob_data);
}

static long BLAS_TASKS;   /* threaded GEMMs the pool has run: 0 would mean OpenBLAS ignored it */

static void blas_callback(int sync, openblas_dojob_callback dojob, int numjobs, size_t size,
                          void *data, int dojob_data) {
    (void)sync;
    BLAS_TASKS++;
    struct blas_jobs jobs = {dojob, data, size, dojob_data};
    pool_run(run_blas_job, &jobs, numjobs);
}

/* ---- the loop ---- */

enum variant { OB_GEMM, OB_LOOP, POOL_GEMM, POOL_LOOP, POOL_SPLIT, VARIANTS };
static const char *const VARIANT_NAMES[VARIANTS] = {
    "openblas: gemm", "openblas: gemm + kernel", "pool: gemm", "pool: gemm + kernel",
    "pool: gemm + split kernel"};

/* step t's kernel split over the pool: part p takes rows [B p / parts, B (p + 1) / parts) */
struct split { const struct loop *L; int64_t t; };

static void kernel_part(void *arg, int part, int parts) {
    const struct split *split = arg;
    const int64_t B = split->L->B, b0 = B * part / parts, rows = B * (part + 1) / parts - b0;
    if (rows > 0) kernel_on_rows(split->L, split->t, b0, rows);
}

static double run(struct loop *L, enum variant v) {
    const int64_t B = L->B, GH = L->G * L->H;
    openblas_set_threads_callback_function(v >= POOL_GEMM ? blas_callback : NULL);
    memcpy(L->gates, L->gates_init, (size_t)(L->T * B * GH) * sizeof(float));
    double start = now();
    for (int64_t t = 0; t < L->T; t++) {
        recurrent_gemm(L, t, t);
        if (v == OB_LOOP || v == POOL_LOOP) {
            kernel_on_rows(L, t, 0, B);
        } else if (v == POOL_SPLIT) {
            struct split split = {L, t};
            pool_run(kernel_part, &split, POOL.threads);
        }
    }
    double seconds = now() - start;
    openblas_set_threads_callback_function(NULL);
    return seconds;
}

int main(int argc, char **argv) {
    struct loop L;
    int rounds = loop_from_args(&L, argc, argv, "shared_pool", 9);
    if (rounds == 0) return 2;
    int threads = openblas_get_num_threads();
    if (threads < 1 || threads > POOL_MAX) {
        fprintf(stderr, "shared_pool: OpenBLAS has %d threads, the pool takes 1..%d\n", threads,
                POOL_MAX);
        return 2;
    }
    pool_start(threads);
    const int64_t hidden_rows = (L.T + 1) * L.B * L.H;

    /* the split kernel computes what the single-thread kernel does, bit for bit */
    run(&L, OB_LOOP);
    size_t out_size = (size_t)(hidden_rows) * sizeof(float);
    float *h_single = floats(hidden_rows);
    memcpy(h_single, L.h, out_size);
    memset(L.h + L.B * L.H, 0xff, out_size - (size_t)(L.B * L.H) * sizeof(float));  /* h_0.. = NaN */
    run(&L, POOL_SPLIT);
    if (memcmp(h_single, L.h, out_size) != 0) {
        fprintf(stderr, "shared_pool: the split kernel's h differs from the single thread's\n");
        return 1;
    }

    double *seconds = calloc((size_t)VARIANTS * (size_t)rounds, sizeof(double));
    for (int r = 0; r < rounds; r++) {
        for (int v = 0; v < VARIANTS; v++) {
            usleep(150000);           /* OpenBLAS's idle workers and the pool's helpers sleep */
            run(&L, (enum variant)v); /* warm-up of this threading */
            seconds[v * rounds + r] = run(&L, (enum variant)v);
        }
    }
    printf("%s T=%lld B=%lld H=%lld, %d threads: %d rounds, ms per loop (min / median)\n", argv[1],
           (long long)L.T, (long long)L.B, (long long)L.H, threads, rounds);
    for (int v = 0; v < VARIANTS; v++) {
        qsort(seconds + v * rounds, (size_t)rounds, sizeof(double), by_value);
        printf("  %-28s %9.2f / %9.2f\n", VARIANT_NAMES[v], seconds[v * rounds] * 1e3,
               seconds[v * rounds + rounds / 2] * 1e3);
    }
    printf("  (the pool ran %ld threaded GEMMs for OpenBLAS)\n", BLAS_TASKS);
    atomic_store(&POOL.stop, 1);
    pthread_mutex_lock(&POOL.lock);
    pthread_cond_broadcast(&POOL.wake);
    pthread_mutex_unlock(&POOL.lock);
    for (int p = 1; p < threads; p++) pthread_join(POOL.helper[p], NULL);
    free(seconds);
    return 0;
}
