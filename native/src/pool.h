/*
 * pool.h — how a step kernel hands its rows to librnnk's thread pool (internal header; the pool
 * itself and its public half are in pool.c and rnnk.h).
 */
#ifndef RNNK_POOL_H
#define RNNK_POOL_H

#include <stdint.h>

/* a kernel's work on rows [b0, b1) of its (B, ...) buffers; args is the kernel's own struct */
typedef void (*rnnk_rows_fn)(const void *args, int64_t b0, int64_t b1);

/*
 * Elementwise work (activations and state updates) per row element of each kernel, in units of
 * one tanh: what decides whether a step is large enough to split (RNNK_POOL_MIN_WORK).
 */
#define RNNK_WORK_LSTM_FORWARD 5   /* 3 sigmoid, 2 tanh per h element */
#define RNNK_WORK_LSTM_BACKWARD 2  /* 1 tanh and 4 gate derivatives */
#define RNNK_WORK_GRU_FORWARD 3    /* 2 sigmoid, 1 tanh */
#define RNNK_WORK_GRU_BACKWARD 1   /* only products */
#define RNNK_WORK_GRU_RB_GATES_FORWARD 2  /* reset-before GRU: 2 sigmoid */
#define RNNK_WORK_GRU_RB_STATE_FORWARD 1  /* reset-before GRU: 1 tanh */
#define RNNK_WORK_GRU_RB_BACKWARD 1       /* reset-before GRU, both halves: only products */
#define RNNK_WORK_RNN_TANH_FORWARD 1 /* 1 tanh */

/*
 * Runs rows(args, 0, B) — on the calling thread alone, or split into contiguous row blocks over
 * the pool's threads (rnnk_pool_set_threads) when the step's work, B * H * work_per_element, is at
 * least RNNK_POOL_MIN_WORK and no other caller is using the pool. Rows never depend on each other,
 * so either way the result is the same, bit for bit.
 */
void rnnk_pool_rows(rnnk_rows_fn rows, const void *args, int64_t B, int64_t H, int64_t work_per_element);

#endif
