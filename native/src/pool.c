/*
 * pool.c — librnnk's thread pool (ABI 5): one set of threads for OpenBLAS's GEMM jobs and for the
 * rows of the fused step kernels.
 *
 * Why: a recurrent step is a GEMM, then the fused kernel, then the next step's GEMM. With
 * OpenBLAS's own threads, the kernel runs on the caller alone while OpenBLAS's worker idles, and a
 * second pool of our own would fight OpenBLAS's spinning worker for the cores
 * (docs/performance.md "One pool for OpenBLAS's jobs and the kernel's rows"). So OpenBLAS is given
 * this pool (rnnk_pool_openblas_callback, installed by the caller with OpenBLAS's
 * openblas_set_threads_callback_function) and the kernels split their rows over the same threads.
 *
 * Shape: part 0 of every task runs on the calling thread, part p on helper p. A task is published
 * by bumping a generation counter; every helper acknowledges every task (so no helper can mistake
 * a later task for the one it saw), runs its part if it has one, and then spins for SPIN_NANOS
 * before it sleeps on a condition variable: long enough to stay awake across the gaps of a time
 * loop, short enough not to hold a core for long once the loop is over.
 *
 * One task at a time: the owner mutex. OpenBLAS's callback waits for it (its jobs must all run at
 * once: level-3 jobs wait for each other, so they can never run one after the other); a kernel
 * only tries it and runs on its caller alone when another thread is using the pool.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rnnk.h"
#include "pool.h"

#define POOL_MAX_THREADS 256       /* caller included */
#define SPIN_NANOS 200000L         /* a helper's wait before it sleeps: a few time steps' gaps */
/*
 * The smallest step worth splitting, in tanh-equivalents (pool.h): below it the hand-off (a few
 * microseconds when the helpers are awake) costs more than half the kernel saves.
 */
#define RNNK_POOL_MIN_WORK 16384

struct helper_slot {
    int part;                      /* the part of each task this helper runs */
    unsigned long seen;            /* the generation it has acknowledged */
};

static struct {
    pthread_mutex_t owner;         /* held by the thread whose task the pool runs */
    pthread_mutex_t sleep_lock;    /* with wake: where idle helpers sleep */
    pthread_cond_t wake;
    int helpers;                   /* helper threads started (parts 1..helpers); under owner */
    atomic_int split_threads;      /* threads a kernel's rows are split over, caller included */
    void (*work)(void *arg, int part, int parts);  /* the current task */
    void *arg;
    int parts;
    unsigned fp_control;           /* the caller's MXCSR (rounding, flush-to-zero), set on helpers */
    atomic_ulong generation;       /* bumped once per task */
    atomic_int pending;            /* helpers that have not acknowledged the current task */
    atomic_int sleepers;
    struct helper_slot slot[POOL_MAX_THREADS];
} pool = {
    .owner = PTHREAD_MUTEX_INITIALIZER,
    .sleep_lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .split_threads = 1,
};

/* a spin-wait's pause: lets the core's other hardware thread run */
static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static long monotonic_nanos(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/*
 * The SSE control word (rounding mode, flush-to-zero, denormals-are-zero) of the calling thread:
 * every part of a task runs under the caller's, so that a split kernel gives the bits an unsplit
 * one would even in a process that changed it (a helper otherwise keeps the word of whichever
 * thread created it).
 */
static inline unsigned fp_control_get(void) {
#if defined(__x86_64__) || defined(__SSE__)
    return __builtin_ia32_stmxcsr();
#else
    return 0;
#endif
}

static inline void fp_control_adopt(unsigned word) {
#if defined(__x86_64__) || defined(__SSE__)
    if (__builtin_ia32_stmxcsr() != word) __builtin_ia32_ldmxcsr(word);
#else
    (void)word;
#endif
}

/* waits (spin, then sleep) for a generation other than slot->seen and returns it */
static unsigned long next_task(struct helper_slot *slot) {
    long spin_until = monotonic_nanos() + SPIN_NANOS;
    unsigned long g;
    int spins = 0;
    while ((g = atomic_load_explicit(&pool.generation, memory_order_acquire)) == slot->seen) {
        cpu_relax();
        if ((++spins & 63) != 0 || monotonic_nanos() < spin_until) continue;
        pthread_mutex_lock(&pool.sleep_lock);
        atomic_fetch_add(&pool.sleepers, 1);     /* seq_cst, ordered with the generation load */
        while (atomic_load(&pool.generation) == slot->seen) {
            pthread_cond_wait(&pool.wake, &pool.sleep_lock);
        }
        atomic_fetch_sub(&pool.sleepers, 1);
        pthread_mutex_unlock(&pool.sleep_lock);
        spin_until = monotonic_nanos() + SPIN_NANOS;
    }
    return g;
}

static void *helper_main(void *arg) {
    struct helper_slot *slot = arg;
    for (;;) {
        slot->seen = next_task(slot);
        if (slot->part < pool.parts) {
            fp_control_adopt(pool.fp_control);
            pool.work(pool.arg, slot->part, pool.parts);
        }
        atomic_fetch_sub_explicit(&pool.pending, 1, memory_order_release);
    }
    return NULL;
}

/* after fork() the child has none of the helpers: it starts from an empty pool */
static void reset_in_child(void) {
    pthread_mutex_init(&pool.owner, NULL);
    pthread_mutex_init(&pool.sleep_lock, NULL);
    pthread_cond_init(&pool.wake, NULL);
    pool.helpers = 0;
    atomic_store(&pool.split_threads, 1);
    atomic_store(&pool.pending, 0);
    atomic_store(&pool.sleepers, 0);
}

/*
 * With the owner held: starts helpers until the pool has `threads` threads (caller included) or
 * thread creation fails; returns the pool's size. Helpers block every asynchronous signal: they
 * never run Java code, so those belong to the JVM's own threads. The synchronous ones (a fault in
 * a helper's own work) stay open, so the JVM's handler reports them.
 */
static int grow(int threads) {
    static int fork_handler_registered;
    if (threads > POOL_MAX_THREADS) threads = POOL_MAX_THREADS;
    if (pool.helpers + 1 >= threads) return pool.helpers + 1;
    if (!fork_handler_registered) fork_handler_registered = pthread_atfork(NULL, NULL, reset_in_child) == 0;
    sigset_t all, saved;
    sigfillset(&all);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL);
    pthread_sigmask(SIG_BLOCK, &all, &saved);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    while (pool.helpers + 1 < threads) {
        struct helper_slot *slot = &pool.slot[pool.helpers + 1];
        slot->part = pool.helpers + 1;
        slot->seen = atomic_load(&pool.generation);   /* no task runs now: this one is done */
        pthread_t thread;
        if (pthread_create(&thread, &attr, helper_main, slot) != 0) break;
        pool.helpers++;
    }
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    return pool.helpers + 1;
}

/* With the owner held: work(arg, p, parts) for every p < parts at once, part 0 on this thread. */
static void run_task(void (*work)(void *, int, int), void *arg, int parts) {
    pool.work = work;
    pool.arg = arg;
    pool.parts = parts;
    pool.fp_control = fp_control_get();
    atomic_store(&pool.pending, pool.helpers);
    atomic_fetch_add(&pool.generation, 1);        /* seq_cst: ordered with the sleepers load */
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.sleep_lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.sleep_lock);
    }
    work(arg, 0, parts);
    for (int spins = 1; atomic_load_explicit(&pool.pending, memory_order_acquire) > 0; spins++) {
        if (spins % 4096 == 0) sched_yield();   /* a helper without a core: let it have ours */
        else cpu_relax();
    }
}

int32_t rnnk_pool_set_threads(int32_t threads) {
    if (threads < 1) threads = 1;
    pthread_mutex_lock(&pool.owner);
    int size = grow(threads);
    int split = threads < size ? threads : size;
    atomic_store(&pool.split_threads, split);
    pthread_mutex_unlock(&pool.owner);
    return split;
}

int32_t rnnk_pool_threads(void) {
    return atomic_load(&pool.split_threads);
}

/* ---- OpenBLAS's jobs ---- */

struct blas_jobs {
    rnnk_openblas_dojob dojob;
    char *data;                    /* numjobs records of size bytes */
    size_t size;
    int dojob_data;
};

static void run_blas_job(void *arg, int part, int parts) {
    (void)parts;
    const struct blas_jobs *jobs = arg;
    jobs->dojob(part, jobs->data + (size_t)part * jobs->size, jobs->dojob_data);
}

struct extra_job { const struct blas_jobs *jobs; int part; };

static void *run_extra_job(void *arg) {
    const struct extra_job *extra = arg;
    run_blas_job((void *)extra->jobs, extra->part, 0);
    return NULL;
}

void rnnk_pool_openblas_callback(int sync, rnnk_openblas_dojob dojob, int numjobs,
                                 size_t jobdata_elsize, void *jobdata, int dojob_data) {
    (void)sync;                    /* OpenBLAS passes 1: return once every job is done */
    struct blas_jobs jobs = {dojob, jobdata, jobdata_elsize, dojob_data};
    if (numjobs <= 1) {
        if (numjobs == 1) run_blas_job(&jobs, 0, 1);
        return;
    }
    pthread_mutex_lock(&pool.owner);
    int size = grow(numjobs);
    /* jobs the pool has no thread for (thread creation failed) get a thread of their own */
    enum { MAX_EXTRA = POOL_MAX_THREADS };
    pthread_t extra_thread[MAX_EXTRA];
    struct extra_job extra[MAX_EXTRA];
    int extras = 0;
    for (int part = size; part < numjobs; part++, extras++) {
        int started = extras < MAX_EXTRA;
        if (started) {
            extra[extras] = (struct extra_job){&jobs, part};
            started = pthread_create(&extra_thread[extras], NULL, run_extra_job, &extra[extras]) == 0;
        }
        if (!started) {
            fprintf(stderr, "librnnk: no thread for OpenBLAS job %d of %d; they must run at once\n",
                    part, numjobs);
            abort();
        }
    }
    run_task(run_blas_job, &jobs, numjobs < size ? numjobs : size);
    for (int e = 0; e < extras; e++) pthread_join(extra_thread[e], NULL);
    pthread_mutex_unlock(&pool.owner);
}

/* ---- the kernels' rows ---- */

struct row_task { rnnk_rows_fn rows; const void *args; int64_t B; };

/* part p of parts takes rows [B p / parts, B (p + 1) / parts) */
static void run_row_part(void *arg, int part, int parts) {
    const struct row_task *task = arg;
    int64_t b0 = task->B * part / parts, b1 = task->B * (part + 1) / parts;
    if (b1 > b0) task->rows(task->args, b0, b1);
}

void rnnk_pool_rows(rnnk_rows_fn rows, const void *args, int64_t B, int64_t H, int64_t work_per_element) {
    int threads = atomic_load_explicit(&pool.split_threads, memory_order_relaxed);
    if (threads < 2 || B < 2 || B * H * work_per_element < RNNK_POOL_MIN_WORK
            || pthread_mutex_trylock(&pool.owner) != 0) {
        rows(args, 0, B);
        return;
    }
    int parts = threads;
    if (parts > pool.helpers + 1) parts = pool.helpers + 1;
    if ((int64_t)parts > B) parts = (int)B;
    struct row_task task = {rows, args, B};
    run_task(run_row_part, &task, parts);
    pthread_mutex_unlock(&pool.owner);
}
