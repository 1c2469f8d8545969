#!/usr/bin/env bash
# Regenerates the committed Java bindings in bindings/src/main/java with jextract.
# Never edit the generated files by hand: change native/include/rnnk.h (or the function lists
# below) and run this script.
#
#   JEXTRACT=/path/to/jextract bindings/regen.sh
#
# jextract is not in Maven Central or Debian: build it from https://github.com/openjdk/jextract
# (the committed output was made with master f9866df3a178baa2e4a3746a7a6e458d783ace92,
# "jextract 23", JDK 25.0.3, libclang 13.0.1; regenerated for ABI 5 with the same jextract and
# Debian 12's libclang 14.0.6, which left every earlier line as it was; for ABI 6 likewise, JDK
# 25.0.3 and libclang 14.0.6, after checking that it reproduced the ABI 5 output byte for byte; for
# ABI 7 likewise, with the same jextract commit compiled by javac 25.0.3 (--module-version 23) and
# run on Debian 12's libclang 14.0.6 (libclang-14-dev), after checking that it reproduced the ABI 6
# output byte for byte; for ABI 9 (rnnk_sgemm_packed_floats, rnnk_sgemm_pack, rnnk_sgemm_packed) likewise, the
# same jextract build, which left every earlier line as it was; for ABI 10 (rnnk_q8_linear, rnnk_q8_path,
# rnnk_bf16_linear, rnnk_bf16_path) likewise, after checking that it reproduced the ABI 8 output byte for byte;
# for ABI 12 (rnnk_sgemm_pack_transposed) likewise, which left every earlier line as it was; ABI 11 changed no
# signature; for ABI 13 (rnnk_sgemv_packed) likewise, which left every earlier line as it was; for ABI 14
# (rnnk_sgemm_atb_scratch_floats, rnnk_sgemm_atb, rnnk_sgemm_packed_tile_rows) likewise).
# No --library: the symbols resolve from what dev.panamarnn.internal.loader has loaded with
# System.load (SymbolLookup.loaderLookup()).
set -euo pipefail
cd "$(dirname "$0")"                       # the fixed directory: bindings/
JEXTRACT=${JEXTRACT:-jextract}
OPENBLAS_VERSION=0.3.31-1.5.13
OPENBLAS_JAR=${OPENBLAS_JAR:-$HOME/.m2/repository/org/bytedeco/openblas/$OPENBLAS_VERSION/openblas-$OPENBLAS_VERSION-linux-x86_64.jar}
if [ ! -f "$OPENBLAS_JAR" ]; then
  echo "regen.sh: $OPENBLAS_JAR not found; run ./mvnw -q -pl java dependency:resolve first" >&2
  exit 1
fi

# cblas.h and openblas_config.h from the same org.bytedeco:openblas artifact the loader uses
rm -rf target/openblas-include && mkdir -p target/openblas-include
unzip -q -j -o "$OPENBLAS_JAR" \
  org/bytedeco/openblas/linux-x86_64/include/cblas.h \
  org/bytedeco/openblas/linux-x86_64/include/openblas_config.h \
  -d target/openblas-include

rm -rf src/main/java/dev/panamarnn/internal/bindings

# librnnk: every function declared in rnnk.h
"$JEXTRACT" \
  --output src/main/java \
  --target-package dev.panamarnn.internal.bindings.rnnk \
  --header-class-name rnnk_h \
  --include-function rnnk_abi_version \
  --include-function rnnk_lstm_forward_step \
  --include-function rnnk_lstm_backward_step \
  --include-function rnnk_gru_forward_step \
  --include-function rnnk_gru_backward_step \
  --include-function rnnk_gru_reset_before_gates_forward_step \
  --include-function rnnk_gru_reset_before_state_forward_step \
  --include-function rnnk_gru_reset_before_state_backward_step \
  --include-function rnnk_gru_reset_before_gates_backward_step \
  --include-function rnnk_rnn_tanh_forward_step \
  --include-function rnnk_rnn_tanh_backward_step \
  --include-function rnnk_rnn_relu_forward_step \
  --include-function rnnk_rnn_relu_backward_step \
  --include-function rnnk_softmax_xent_forward_backward \
  --include-function rnnk_ctc_forward_backward \
  --include-function rnnk_adam_step \
  --include-function rnnk_sgd_step \
  --include-function rnnk_sgemm_nn \
  --include-function rnnk_sgemm_packed_floats \
  --include-function rnnk_sgemm_pack \
  --include-function rnnk_sgemm_pack_transposed \
  --include-function rnnk_sgemm_packed \
  --include-function rnnk_sgemv_packed \
  --include-function rnnk_sgemm_atb_scratch_floats \
  --include-function rnnk_sgemm_atb \
  --include-function rnnk_sgemm_packed_tile_rows \
  --include-function rnnk_pool_set_threads \
  --include-function rnnk_pool_threads \
  --include-function rnnk_pool_openblas_callback \
  --include-function rnnk_q8_linear \
  --include-function rnnk_q8_path \
  --include-function rnnk_bf16_linear \
  --include-function rnnk_bf16_path \
  ../native/include/rnnk.h

# OpenBLAS: the cblas subset the kernels call, the enums they pass and the runtime queries
"$JEXTRACT" \
  --output src/main/java \
  --target-package dev.panamarnn.internal.bindings.cblas \
  --header-class-name cblas_h \
  --include-function cblas_sgemm \
  --include-function cblas_sgemv \
  --include-function cblas_saxpy \
  --include-function cblas_sscal \
  --include-function cblas_sdot \
  --include-function cblas_snrm2 \
  --include-function openblas_get_config \
  --include-function openblas_get_corename \
  --include-function openblas_set_num_threads \
  --include-function openblas_get_num_threads \
  --include-function openblas_set_threads_callback_function \
  --include-constant CblasRowMajor \
  --include-constant CblasColMajor \
  --include-constant CblasNoTrans \
  --include-constant CblasTrans \
  target/openblas-include/cblas.h

echo "regen.sh: bindings written to bindings/src/main/java"
