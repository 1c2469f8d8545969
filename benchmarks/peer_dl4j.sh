#!/usr/bin/env sh
# benchmarks/peer_dl4j.sh — Deeplearning4j peer benchmark: the `rnn bench` shapes through DL4J's
# LSTM and SimpleRnn layers (ND4J native CPU backend), printed in the same columns as `rnn bench`
# and peer_pytorch.py. Builds benchmarks/peer-dl4j (a standalone Maven project, not part of the
# root build: DL4J and ND4J's native binaries are downloaded only here, about 300 MB) and runs it.
#
#   OPENBLAS_CORETYPE=Haswell benchmarks/peer_dl4j.sh --threads 2 [--classifier linux-x86_64-onednn-avx512] \
#       [--cells lstm,rnn_tanh] [--shape 100,64,512,512] [--warmup 1] [--measure 3] [--json bench-dl4j.json]
#
# --threads sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS (ND4J's own loops and its OpenBLAS);
# --classifier picks ND4J's native build (linux-x86_64, -avx2, -avx512 (default), -onednn,
# -onednn-avx2, -onednn-avx512). Every other option goes to the peer (see Dl4jPeer.java).
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
. "$root/scripts/find-jdk.sh"
threads=2
classifier=linux-x86_64-avx512
passed=""
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) [ $# -ge 2 ] || { echo "peer_dl4j: --threads needs a value" >&2; exit 2; }; threads=$2; shift 2 ;;
    --classifier) [ $# -ge 2 ] || { echo "peer_dl4j: --classifier needs a value" >&2; exit 2; }; classifier=$2; shift 2 ;;
    *) passed="$passed $(printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")")"; shift ;;
  esac
done
case "$threads" in ''|*[!0-9]*|0) echo "peer_dl4j: --threads must be a positive integer, got '$threads'" >&2; exit 2 ;; esac
project="$root/benchmarks/peer-dl4j"
echo "peer_dl4j: building $project (ND4J classifier $classifier) ..." >&2
"$root/mvnw" -q -B -f "$project/pom.xml" -Dnd4j.classifier="$classifier" package >&2
# only the chosen classifier's native jar on the class path (a previous build may have left others)
cp="$project/target/classes"
for jar in "$project"/target/lib/*.jar; do
  case "$(basename "$jar")" in
    nd4j-native-*-linux-x86_64*.jar) case "$(basename "$jar")" in *"-$classifier.jar") ;; *) continue ;; esac ;;
  esac
  cp="$cp:$jar"
done
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
eval "set -- $passed"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx12g -Dorg.bytedeco.javacpp.maxbytes=12g -Dorg.bytedeco.javacpp.maxphysicalbytes=16g \
  -Dnd4j.classifier="$classifier" -cp "$cp" dev.panamarnn.peer.Dl4jPeer "$@"
