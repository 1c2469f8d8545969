#!/usr/bin/env bash
# The consumer example end to end: builds this standalone project against the panama-rnn artifact
# in the local Maven repository (run ./mvnw install in the repository root first), then trains and
# serves in two separate JVMs with the native kernels required (-Drnn.native.strict=true).
# Exits non-zero when any stage fails. Run from anywhere: examples/consumer/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/scripts/find-jdk.sh"

stage() { echo "consumer: $*"; }
fail() { echo "consumer: FAILED: $*" >&2; exit 1; }

stage "build: ./mvnw -f examples/consumer/pom.xml -B -q package (JDK $JAVA_HOME)"
(cd "$root" && ./mvnw -f examples/consumer/pom.xml -B -q package) \
  || fail "the consumer does not build; is dev.panamarnn:panama-rnn:0.1.0-SNAPSHOT installed (./mvnw install in $root)?"
stage "class path: target/classes + $(cd "$here/target/lib" && ls | tr '\n' ' ')"

cd "$here"
flags=(--enable-native-access=ALL-UNNAMED -Drnn.native.strict=true -cp "target/classes:target/lib/*")
rm -f target/model.safetensors

stage "train: java com.example.consumer.Train data/digits-400.csv target/model.safetensors"
java "${flags[@]}" com.example.consumer.Train data/digits-400.csv target/model.safetensors || fail "Train exited with $?"
[ -s target/model.safetensors ] || fail "Train wrote no target/model.safetensors"

stage "serve: java com.example.consumer.Serve target/model.safetensors data/digits-400.csv (a fresh JVM)"
java "${flags[@]}" com.example.consumer.Serve target/model.safetensors data/digits-400.csv || fail "Serve exited with $?"

# The same library as named modules: the consumer's module reads only the exported packages. The
# OpenBLAS jar stays on the class path (its own module descriptor requires the javacpp modules,
# which panama-rnn does not use), where the loader finds the bundled libraries.
stage "module path: javac/java -p panama-rnn, panama-rnn-bindings; OpenBLAS jar on the class path"
mods=$(ls target/lib/panama-rnn-*.jar | tr '\n' ':')
openblas=$(ls target/lib/openblas-*.jar)
javac -d target/modular -p "$mods" --module-source-path modular -m com.example.modular || fail "the modular consumer does not compile"
java --enable-native-access=dev.panamarnn,dev.panamarnn.bindings -Drnn.native.strict=true -p "${mods}target/modular" \
  -cp "$openblas" -m com.example.modular/com.example.modular.ServeOnModulePath target/model.safetensors \
  || fail "ServeOnModulePath exited with $?"

stage "OK"
