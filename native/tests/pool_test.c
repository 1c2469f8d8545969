/*
 * pool_test.c — librnnk's thread pool (native/src/pool.c), run by ctest:
 *   - the LSTM and GRU step kernels (both GRU variants), forward and backward, give the same bits with their rows
 *     split over 2, 3 and 5 threads as on the caller alone (outputs start as different NaNs, so a
 *     row no thread wrote is caught), with and without guard overruns;
 *   - rnnk_pool_openblas_callback runs every job exactly once, each with its own record,
 *     thread_num and dojob_data, all at the same time (each job waits for all the others: run one
 *     after another they would time out), growing the pool when asked for more jobs than it has;
 *   - two threads using the pool at once (kernels and jobs) get the same results as one;
 *   - a forked child starts from an empty pool and can use it;
 *   - every part of a task runs under the caller's SSE control word (rounding mode here), which
 *     the helpers did not start with.
 * A hang is a failure: alarm() ends the test after 120 s.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rnnk.h"

#define TEST_SEED 20261202u
#include "test_support.h"

/* ---- the step kernels, split or not ---- */

enum kernel { LSTM_FORWARD, LSTM_BACKWARD, GRU_FORWARD, GRU_BACKWARD, RNN_TANH_FORWARD,
              RNN_TANH_IN_PLACE, GRU_RB_GATES_FORWARD, GRU_RB_STATE_FORWARD, GRU_RB_STATE_BACKWARD,
              GRU_RB_GATES_BACKWARD, KERNELS };
static const char *const KERNEL_NAMES[KERNELS] = {"lstm forward", "lstm backward", "gru forward",
                                                  "gru backward", "rnn tanh forward",
                                                  "rnn tanh forward in place",
                                                  "gru reset-before gates forward",
                                                  "gru reset-before state forward",
                                                  "gru reset-before state backward",
                                                  "gru reset-before gates backward"};

/* every buffer a kernel reads or writes, sized for the largest (B, 4H) */
struct step {
    int64_t B, H;
    float *in[4];      /* inputs, never written */
    float *out[3];     /* outputs (and in/out buffers, copied from init first) */
    float *init[3];    /* what in/out buffers hold before the call */
    int64_t out_n[3];
};

static void fill(float *p, int64_t n) {
    for (int64_t k = 0; k < n; k++) p[k] = uniform();
}

static struct step new_step(int64_t B, int64_t H) {
    struct step s = {.B = B, .H = H};
    const int64_t n = B * 4 * H;
    for (int k = 0; k < 4; k++) { s.in[k] = buffer(n, 0); fill(s.in[k], n); }
    for (int k = 0; k < 3; k++) {
        s.out[k] = buffer(n, 0);
        s.init[k] = buffer(n, 0);
        fill(s.init[k], n);
    }
    return s;
}

static void free_step(struct step *s) {
    for (int k = 0; k < 4; k++) release(s->in[k], 0);
    for (int k = 0; k < 3; k++) { release(s->out[k], 0); release(s->init[k], 0); }
}

/* runs kernel k on s with outputs first set to init (in/out) or to a NaN with payload `poison` */
static void run_kernel(enum kernel k, struct step *s, uint32_t poison) {
    const int64_t B = s->B, H = s->H;
    float nan;
    uint32_t bits = 0x7fc00000u | (poison & 0x3fffffu);
    memcpy(&nan, &bits, 4);
    /* sizes of out[0..2] per kernel, and whether each is read before it is written */
    int64_t sizes[KERNELS][3] = {{B * H, B * H, B * 4 * H}, {B * 4 * H, B * H, 0},
                                 {B * H, B * 3 * H, B * 3 * H}, {B * 3 * H, B * 3 * H, B * H},
                                 {B * H, 0, 0}, {B * H, 0, 0},
                                 {B * 3 * H, B * H, 0}, {B * H, B * 3 * H, 0},
                                 {B * 3 * H, B * H, 0}, {B * 3 * H, B * H, 0}};
    /* the reset-before kernels write part of xg or dxg: those are read first (kept elsewhere) */
    static const int read_first[KERNELS][3] = {{0, 0, 1}, {0, 1, 0}, {0, 1, 1}, {0, 0, 0},
                                               {0, 0, 0}, {1, 0, 0},
                                               {1, 0, 0}, {0, 1, 0}, {1, 0, 0}, {1, 1, 0}};
    for (int o = 0; o < 3; o++) {
        s->out_n[o] = sizes[k][o];
        for (int64_t j = 0; j < sizes[k][o]; j++) s->out[o][j] = read_first[k][o] ? s->init[o][j] : nan;
        for (int g = 0; g < GUARD; g++) s->out[o][sizes[k][o] + g] = GUARD_VALUE;
    }
    switch (k) {
    case LSTM_FORWARD:   /* h, c, gates (in/out); bias, c_prev */
        rnnk_lstm_forward_step(s->out[0], s->out[1], s->out[2], s->in[1], s->in[0], B, H);
        break;
    case LSTM_BACKWARD:  /* dgates, dc (in/out); dh, gates, c_prev, c */
        rnnk_lstm_backward_step(s->out[0], s->out[1], s->in[0], s->in[1], s->in[2], s->in[3], B, H);
        break;
    case GRU_FORWARD:    /* h, xg (in/out), hg (in/out); b_ih, b_hh, h_prev */
        rnnk_gru_forward_step(s->out[0], s->out[1], s->out[2], s->in[2], s->in[0], s->in[1], B, H);
        break;
    case GRU_BACKWARD:   /* dxg, dhg, dh_prev; dh, xg, hg, h_prev */
        rnnk_gru_backward_step(s->out[0], s->out[1], s->out[2], s->in[0], s->in[1], s->in[2],
                               s->in[3], B, H);
        break;
    case RNN_TANH_FORWARD:  /* h; pre, bias */
        rnnk_rnn_tanh_forward_step(s->out[0], s->in[0], s->in[1], B, H);
        break;
    case RNN_TANH_IN_PLACE: /* h = tanh(h + bias) */
        rnnk_rnn_tanh_forward_step(s->out[0], s->out[0], s->in[1], B, H);
        break;
    case GRU_RB_GATES_FORWARD:   /* xg (in/out), rh; hrz, b_ih, b_hh, h_prev */
        rnnk_gru_reset_before_gates_forward_step(s->out[0], s->out[1], s->in[0], s->in[1], s->in[2],
                                                 s->in[3], B, H);
        break;
    case GRU_RB_STATE_FORWARD:   /* h, xg (in/out); hn, b_ih, b_hh, h_prev */
        rnnk_gru_reset_before_state_forward_step(s->out[0], s->out[1], s->in[0], s->in[1], s->in[2],
                                                 s->in[3], B, H);
        break;
    case GRU_RB_STATE_BACKWARD:  /* dxg (in/out), dh_prev; dh, xg, h_prev */
        rnnk_gru_reset_before_state_backward_step(s->out[0], s->out[1], s->in[0], s->in[1], s->in[2],
                                                  B, H);
        break;
    case GRU_RB_GATES_BACKWARD:  /* dxg (in/out), dh_prev (in/out); drh, xg, h_prev */
        rnnk_gru_reset_before_gates_backward_step(s->out[0], s->out[1], s->in[0], s->in[1], s->in[2],
                                                  B, H);
        break;
    default:
        break;
    }
    for (int o = 0; o < 3; o++) check_guard(KERNEL_NAMES[k], s->out[o], s->out_n[o]);
}

/* copies of a run's outputs */
static void save(const struct step *s, float *saved[3]) {
    for (int o = 0; o < 3; o++) memcpy(saved[o], s->out[o], (size_t)s->out_n[o] * sizeof(float));
}

static int same_bits(const struct step *s, float *saved[3]) {
    for (int o = 0; o < 3; o++) {
        if (memcmp(saved[o], s->out[o], (size_t)s->out_n[o] * sizeof(float)) != 0) return 0;
    }
    return 1;
}

static void test_split_kernels(void) {
    static const int64_t SHAPES[][2] = {{64, 256}, {3, 4096}, {129, 129}, {2, 8192}, {1000, 17}};
    for (size_t shape = 0; shape < sizeof SHAPES / sizeof SHAPES[0]; shape++) {
        struct step s = new_step(SHAPES[shape][0], SHAPES[shape][1]);
        float *single[3];
        for (int o = 0; o < 3; o++) single[o] = buffer(s.B * 4 * s.H, 0);
        for (int k = 0; k < KERNELS; k++) {
            rnnk_pool_set_threads(1);
            run_kernel((enum kernel)k, &s, 1);
            save(&s, single);
            static const int THREADS[] = {2, 3, 5};
            for (int t = 0; t < 3; t++) {
                if (rnnk_pool_set_threads(THREADS[t]) != THREADS[t]) {
                    printf("FAIL rnnk_pool_set_threads(%d) returned %d\n", THREADS[t], rnnk_pool_threads());
                    failures++;
                }
                run_kernel((enum kernel)k, &s, 2 + (uint32_t)t);
                if (!same_bits(&s, single)) {
                    printf("FAIL %s B=%lld H=%lld: %d threads differ from 1\n", KERNEL_NAMES[k],
                           (long long)s.B, (long long)s.H, THREADS[t]);
                    failures++;
                }
            }
        }
        for (int o = 0; o < 3; o++) release(single[o], 0);
        free_step(&s);
    }
    rnnk_pool_set_threads(0);
    if (rnnk_pool_threads() != 1) {
        printf("FAIL rnnk_pool_set_threads(0) leaves %d threads, expected 1\n", rnnk_pool_threads());
        failures++;
    }
}

/* ---- OpenBLAS's jobs ---- */

struct job_record { int index; atomic_int runs; int thread_num; int data; pthread_t thread; };

static atomic_int jobs_started;
static atomic_int jobs_timed_out;

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* a job that returns only once all `numjobs` jobs have started (as OpenBLAS's level-3 jobs wait) */
static int NUMJOBS;
static void waiting_job(int thread_num, void *jobdata, int dojob_data) {
    struct job_record *r = jobdata;
    atomic_fetch_add(&r->runs, 1);
    r->thread_num = thread_num;
    r->data = dojob_data;
    r->thread = pthread_self();
    atomic_fetch_add(&jobs_started, 1);
    double give_up = seconds_now() + 10.0;
    while (atomic_load(&jobs_started) < NUMJOBS) {
        if (seconds_now() > give_up) { atomic_fetch_add(&jobs_timed_out, 1); return; }
    }
}

static void test_openblas_jobs(int numjobs) {
    struct job_record records[64];
    memset(records, 0, sizeof records);
    for (int j = 0; j < numjobs; j++) records[j].index = j;
    atomic_store(&jobs_started, 0);
    atomic_store(&jobs_timed_out, 0);
    NUMJOBS = numjobs;
    rnnk_pool_openblas_callback(1, waiting_job, numjobs, sizeof(struct job_record), records, 77);
    if (atomic_load(&jobs_timed_out) != 0) {
        printf("FAIL %d jobs: %d did not see all the others start (they ran one after another)\n",
               numjobs, atomic_load(&jobs_timed_out));
        failures++;
    }
    for (int j = 0; j < numjobs; j++) {
        if (atomic_load(&records[j].runs) != 1 || records[j].thread_num != j || records[j].data != 77) {
            printf("FAIL %d jobs: job %d ran %d times with thread_num %d, dojob_data %d\n", numjobs, j,
                   atomic_load(&records[j].runs), records[j].thread_num, records[j].data);
            failures++;
        }
        for (int other = 0; other < j; other++) {
            if (pthread_equal(records[j].thread, records[other].thread)) {
                printf("FAIL %d jobs: jobs %d and %d ran on the same thread\n", numjobs, other, j);
                failures++;
            }
        }
    }
    if (numjobs > 0 && !pthread_equal(records[0].thread, pthread_self())) {
        printf("FAIL %d jobs: job 0 did not run on the calling thread\n", numjobs);
        failures++;
    }
}

/* ---- two callers at once ---- */

static struct step SHARED_STEP[2];
static float *EXPECTED[2][3];

static void *concurrent_caller(void *arg) {
    int me = (int)(intptr_t)arg;
    long wrong = 0;
    for (int round = 0; round < 300; round++) {
        run_kernel(me ? GRU_FORWARD : LSTM_FORWARD, &SHARED_STEP[me], (uint32_t)round);
        if (!same_bits(&SHARED_STEP[me], EXPECTED[me])) wrong++;
    }
    return (void *)(intptr_t)wrong;
}

static void counting_job(int thread_num, void *jobdata, int dojob_data) {
    struct job_record *r = jobdata;
    atomic_fetch_add(&r->runs, 1);
    r->thread_num = thread_num;
    r->data = dojob_data;
}

/* OpenBLAS jobs from a third thread while the two kernels' callers split their rows */
static void *concurrent_jobs(void *arg) {
    (void)arg;
    long wrong = 0;
    for (int round = 0; round < 300; round++) {
        struct job_record records[2];
        memset(records, 0, sizeof records);
        rnnk_pool_openblas_callback(1, counting_job, 2, sizeof(struct job_record), records, round);
        for (int j = 0; j < 2; j++) {
            if (atomic_load(&records[j].runs) != 1 || records[j].thread_num != j || records[j].data != round) wrong++;
        }
    }
    return (void *)(intptr_t)wrong;
}

static void test_concurrent_callers(void) {
    rnnk_pool_set_threads(2);
    for (int me = 0; me < 2; me++) {
        SHARED_STEP[me] = new_step(64, 256);
        for (int o = 0; o < 3; o++) EXPECTED[me][o] = buffer(64 * 4 * 256, 0);
        rnnk_pool_set_threads(1);
        run_kernel(me ? GRU_FORWARD : LSTM_FORWARD, &SHARED_STEP[me], 9);
        save(&SHARED_STEP[me], EXPECTED[me]);
    }
    rnnk_pool_set_threads(2);
    pthread_t threads[3];
    for (int me = 0; me < 2; me++) pthread_create(&threads[me], NULL, concurrent_caller, (void *)(intptr_t)me);
    pthread_create(&threads[2], NULL, concurrent_jobs, NULL);
    for (int me = 0; me < 2; me++) {
        void *wrong;
        pthread_join(threads[me], &wrong);
        if ((intptr_t)wrong != 0) {
            printf("FAIL two callers at once: %ld of 300 %s steps differ\n", (long)(intptr_t)wrong,
                   me ? "gru" : "lstm");
            failures++;
        }
    }
    void *wrong;
    pthread_join(threads[2], &wrong);
    if ((intptr_t)wrong != 0) {
        printf("FAIL two callers at once: %ld OpenBLAS jobs ran wrongly\n", (long)(intptr_t)wrong);
        failures++;
    }
    for (int me = 0; me < 2; me++) {
        for (int o = 0; o < 3; o++) release(EXPECTED[me][o], 0);
        free_step(&SHARED_STEP[me]);
    }
}

/* ---- fork ---- */

static void test_fork(void) {
    rnnk_pool_set_threads(2);
    struct step s = new_step(64, 256);
    run_kernel(LSTM_FORWARD, &s, 3);   /* the parent's helpers are awake */
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        alarm(60);                     /* the parent's alarm does not carry over */
        long before = failures;
        if (rnnk_pool_threads() != 1) { printf("FAIL forked child's pool has %d threads\n", rnnk_pool_threads()); failures++; }
        float *single[3];
        for (int o = 0; o < 3; o++) single[o] = buffer(s.B * 4 * s.H, 0);
        run_kernel(LSTM_FORWARD, &s, 4);
        save(&s, single);
        rnnk_pool_set_threads(2);
        run_kernel(LSTM_FORWARD, &s, 5);
        if (!same_bits(&s, single)) { printf("FAIL forked child: split kernel differs\n"); failures++; }
        test_openblas_jobs(3);
        for (int o = 0; o < 3; o++) release(single[o], 0);
        fflush(stdout);
        _exit(failures == before ? 0 : 1);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("FAIL forked child: exit status %d\n", status);
        failures++;
    }
    free_step(&s);
}

/* ---- the caller's floating-point control word ---- */

#if defined(__x86_64__)
#define ROUND_TOWARD_ZERO 0x6000u  /* MXCSR rounding control bits 13-14 */

static void recording_job(int thread_num, void *jobdata, int dojob_data) {
    (void)thread_num;
    (void)dojob_data;
    *(unsigned *)jobdata = __builtin_ia32_stmxcsr();
}

static void test_caller_fp_control(void) {
    const unsigned usual = __builtin_ia32_stmxcsr();
    rnnk_pool_set_threads(2);
    struct step s = new_step(64, 256);
    float *nearest[3], *single[3];
    for (int o = 0; o < 3; o++) { nearest[o] = buffer(s.B * 4 * s.H, 0); single[o] = buffer(s.B * 4 * s.H, 0); }
    run_kernel(LSTM_FORWARD, &s, 6);   /* helpers awake, under the usual rounding */
    save(&s, nearest);
    __builtin_ia32_ldmxcsr(usual | ROUND_TOWARD_ZERO);
    rnnk_pool_set_threads(1);
    run_kernel(LSTM_FORWARD, &s, 7);
    save(&s, single);
    rnnk_pool_set_threads(2);
    run_kernel(LSTM_FORWARD, &s, 8);
    int split_same = same_bits(&s, single);
    unsigned words[2] = {0, 0};
    rnnk_pool_openblas_callback(1, recording_job, 2, sizeof(unsigned), words, 0);
    __builtin_ia32_ldmxcsr(usual);
    if (same_bits(&s, nearest)) {
        printf("FAIL fp control: rounding toward zero changed no bit of the lstm step (the test proves nothing)\n");
        failures++;
    }
    if (!split_same) {
        printf("FAIL fp control: split lstm step under the caller's rounding differs from the unsplit one\n");
        failures++;
    }
    if (words[0] != (usual | ROUND_TOWARD_ZERO) || words[1] != words[0]) {
        printf("FAIL fp control: OpenBLAS jobs ran with MXCSR %#x and %#x, the caller had %#x\n", words[0],
               words[1], usual | ROUND_TOWARD_ZERO);
        failures++;
    }
    for (int o = 0; o < 3; o++) { release(nearest[o], 0); release(single[o], 0); }
    free_step(&s);
}
#else
static void test_caller_fp_control(void) {}
#endif

int main(void) {
    (void)hash_floats;   /* test_support.h's hash is for the ISA builds' comparison, not used here */
    alarm(120);
    test_split_kernels();
    rnnk_pool_set_threads(2);
    for (int numjobs = 0; numjobs <= 9; numjobs++) test_openblas_jobs(numjobs);
    test_concurrent_callers();
    test_fork();
    test_caller_fp_control();
    printf("pool_test: split kernels on 1/2/3/5 threads, OpenBLAS jobs 0..9 at once, two callers, fork,"
           " caller's MXCSR: %s\n",
           failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
