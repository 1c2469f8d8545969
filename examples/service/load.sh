#!/usr/bin/env sh
# examples/service/load.sh MODEL STREAMS RATES [SECONDS] [WARMUP] [IDLE_MILLIS] [IN_FLIGHT]   (IN_FLIGHT: 4096, the service's queue)
# The same open-loop load (docs/streaming.md "An HTTP service") against the service over HTTP on loopback, then
# against the bare StreamBatcher in one JVM, one after the other; the service is started fresh and stopped after.
# SERVICE_OPTS: more options for the service, e.g. SERVICE_OPTS="--transport nio"; SERVICE_JVM_OPTS: more JVM options for the
# service, e.g. SERVICE_JVM_OPTS="-XX:+UseZGC" or "-Xmn1g"; SERVICE_PORT: its port (18080);
# SERVICE_JAR: another build's jar (its lib/ beside it; its generator too), to compare two builds; GENERATOR_OPTS: more options for both
# generator runs, e.g. GENERATOR_OPTS="--connections 64 --burst-micros 0" or "--trace" with SERVICE_OPTS="--trace" (see LoadGenerator
# --help); LOAD_TARGETS: which of the two runs, "http bare" (default), "http" or "bare".
# Build first: ./mvnw -pl examples/service -am install -DskipTests
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
. "$root/scripts/find-jdk.sh"
model=$1; streams=$2; rates=$3; seconds=${4:-10}; warmup=${5:-5}; idle=${6:-1000}; inflight=${7:-4096}
targets=${LOAD_TARGETS:-http bare}
jar=${SERVICE_JAR:-"$root/examples/service/target/panama-rnn-service.jar"}
port=${SERVICE_PORT:-18080}
opts="--enable-native-access=ALL-UNNAMED -XX:NativeMemoryTracking=summary -Xmx2g"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-detected}"
case " $targets " in *" http "*)
  log="${TMPDIR:-/tmp}/service-load-server.$$.log"
  "$JAVA_HOME/bin/java" $opts ${SERVICE_JVM_OPTS:-} -jar "$jar" --model "$model" --port "$port" --idle-millis "$idle" --max-streams $((streams + 1000)) --verbose ${SERVICE_OPTS:-} \
      > "$log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  i=0
  until grep -qs "^serving" "$log"; do
    kill -0 $server 2>/dev/null || { echo "the service failed:"; cat "$log"; exit 1; }
    i=$((i + 1)); [ $i -lt 300 ] || { echo "the service did not start:"; cat "$log"; exit 1; }
    sleep 0.1
  done
  echo "# service options: ${SERVICE_OPTS:-(defaults)}; JVM: ${SERVICE_JVM_OPTS:-(defaults)}; $(grep -o 'kernels: .*' "$log" | head -1)"
  "$JAVA_HOME/bin/java" $opts -cp "$jar" dev.panamarnn.service.LoadGenerator --target http --port "$port" --streams "$streams" \
      --rates "$rates" --seconds "$seconds" --warmup "$warmup" --in-flight "$inflight" ${GENERATOR_OPTS:-} --settle-millis $((idle * 2 + 1000))
  kill $server; wait $server 2>/dev/null || true
  trap - EXIT
  echo "# load average $(cut -d' ' -f1-3 /proc/loadavg)" ;;
esac
case " $targets " in *" bare "*)
  "$JAVA_HOME/bin/java" $opts -cp "$jar" dev.panamarnn.service.LoadGenerator --target bare --model "$model" --streams "$streams" \
      --rates "$rates" --seconds "$seconds" --warmup "$warmup" --in-flight "$inflight" ${GENERATOR_OPTS:-} --settle-millis 0
  echo "# load average $(cut -d' ' -f1-3 /proc/loadavg)" ;;
esac
