#!/usr/bin/env bash
# scripts/spark-submit-example.sh — docs/spark.md's example through spark-submit on a real standalone
# Spark cluster on this machine: train on examples/consumer/data/digits-400.csv, then score it.
#
#   scripts/spark-submit-example.sh [driver|barrier|both]   (the trainer's AllReduce; default barrier)
#
#   both: trains twice, with AllReduce.DRIVER and AllReduce.BARRIER, and checks that the two model files
#   are the same bytes; then scores the second.
#
#   EPOCHS=20          epochs of training
#   MVN_ARGS="..."     extra Maven arguments (e.g. -o -Dmaven.repo.local=...)
#
# No Spark distribution is needed: the script builds a Spark home, spark/target/spark-submit-home, whose
# jars/ links the Maven artifacts of Spark 4.2.0 (the spark module's provided dependencies), and runs from
# it what bin/spark-submit and sbin/start-*.sh run:
#   - a master (org.apache.spark.deploy.master.Master) and two workers of one core each
#     (org.apache.spark.deploy.worker.Worker), on 127.0.0.1; the workers start the executor JVMs;
#   - org.apache.spark.deploy.SparkSubmit, the class bin/spark-submit execs, in client mode, twice:
#     train (2 workers, GRU H 32) and score, with the library's jars as --jars.
# spark.sql.shuffle.partitions=4: the scoring's joins over 400 sequences need no 200 shuffle tasks on 2 cores.
# bin/spark-submit would add spark.driver.extraJavaOptions to the driver's command line; here the driver
# is this java command, so the flags are on it. It checks the outputs (steps, accuracy, Parquet) and
# always stops the JVMs it started. The run's logs, model and scores are in spark/target/spark-submit-run.
# It builds the spark module (and what it needs) when its jar is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh

mode=${1:-barrier}
case "$mode" in driver|barrier) modes=("$mode") ;; both) modes=(driver barrier) ;; *) echo "usage: $0 [driver|barrier|both]" >&2; exit 2 ;; esac
epochs=${EPOCHS:-20}
mvn=(./mvnw -B -q ${MVN_ARGS-})
java="$JAVA_HOME/bin/java"
root=$PWD
spark_jar=$root/spark/target/panama-rnn-spark-0.1.0-SNAPSHOT.jar
csv=$root/examples/consumer/data/digits-400.csv
home=$root/spark/target/spark-submit-home
run=$root/spark/target/spark-submit-run
flags="--enable-native-access=ALL-UNNAMED -Drnn.native.strict=true"
start=$SECONDS

[ -f "$spark_jar" ] || "${mvn[@]}" -pl spark -am install -DskipTests

# The Spark home: jars/ = the spark module's provided dependencies (Spark and everything it needs); made
# again when spark/pom.xml is newer
rm -rf "$run"
mkdir -p "$run"
if [ ! -f "$home/runtime.classpath" ] || [ spark/pom.xml -nt "$home/runtime.classpath" ]; then
  rm -rf "$home"
  mkdir -p "$home/jars" "$home/conf"
  "${mvn[@]}" -pl spark dependency:build-classpath -DincludeScope=provided -Dmdep.outputFile="$home/provided.classpath"
  tr ':' '\n' < "$home/provided.classpath" | while read -r jar; do ln -sf "$jar" "$home/jars/"; done
  "${mvn[@]}" -pl spark dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$home/runtime.classpath"
fi
jars=$(tr ':' ',' < "$home/runtime.classpath")   # panama-rnn, its bindings, OpenBLAS
cat > "$home/conf/log4j2.properties" <<'EOF'
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
EOF
echo "spark-submit-example: Spark home $home ($(ls "$home/jars" | wc -l) jars), $((SECONDS - start)) s"

export SPARK_HOME=$home SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_DIRS=$run/local   # the executors' local dirs
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT

# waits up to $2 seconds for the pattern $1 in the file $3
await() {
  for _ in $(seq "$(($2 * 5))"); do
    grep -q "$1" "$3" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "spark-submit-example: no '$1' in $3 after $2 s:" >&2
  tail -20 "$3" >&2
  exit 1
}

# Master and workers log at Spark's default level (INFO) into their files; ports are picked by the OS.
"$java" -Xmx256m -cp "$home/jars/*" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port 0 --webui-port 0 > "$run/master.log" 2>&1 &
pids+=($!)
await "Starting Spark master at spark://" 60 "$run/master.log"
master=$(sed -n 's/.*Starting Spark master at \(spark:\/\/[^ ]*\).*/\1/p' "$run/master.log" | head -1)
for w in 1 2; do
  "$java" -Xmx256m -cp "$home/jars/*" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --port 0 --webui-port 0 --cores 1 --memory 1g --work-dir "$run/worker$w" "$master" \
    > "$run/worker$w.log" 2>&1 &
  pids+=($!)
done
await "Successfully registered with master" 60 "$run/worker1.log"
await "Successfully registered with master" 60 "$run/worker2.log"
echo "spark-submit-example: master $master with 2 workers of 1 core, $((SECONDS - start)) s"

submit() {   # the command bin/spark-submit runs, with the driver's flags on its own command line
  timeout 300 "$java" $flags --sun-misc-unsafe-memory-access=allow -Xmx1g -Dlog4j.configurationFile="$home/conf/log4j2.properties" -cp "$home/jars/*" \
    org.apache.spark.deploy.SparkSubmit --master "$master" --deploy-mode client \
    --class dev.panamarnn.spark.example.SparkExample --jars "$jars" \
    --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 --conf spark.ui.enabled=false \
    --conf spark.executor.memory=1g --conf spark.sql.shuffle.partitions=4 \
    --conf spark.driver.extraJavaOptions="$flags" --conf spark.executor.extraJavaOptions="$flags" \
    "$spark_jar" "$@"
}

times=()
for m in "${modes[@]}"; do
  t=$SECONDS
  submit train "$csv" image row digit 2 "$epochs" "$run/digits-$m.safetensors" "$m" | tee "$run/train-$m.out"
  times+=("train ($m) $((SECONDS - t)) s")
  steps=$(sed -n 's/^trained \([0-9]*\) steps on 2 workers.*/\1/p' "$run/train-$m.out")
  [ "$steps" = "$((epochs * 7))" ] \
    || { echo "spark-submit-example: expected $((epochs * 7)) steps (200 sequences a worker, batch 32), got '$steps'" >&2; exit 1; }
  [ -f "$run/digits-$m.safetensors" ] || { echo "spark-submit-example: no model file from the $m run" >&2; exit 1; }
  model=$run/digits-$m.safetensors
done
if [ "$mode" = both ]; then
  cmp "$run/digits-driver.safetensors" "$run/digits-barrier.safetensors" \
    || { echo "spark-submit-example: the driver and barrier all-reduces trained different models" >&2; exit 1; }
  echo "spark-submit-example: the driver and barrier all-reduces wrote the same model file, byte for byte"
fi
t=$SECONDS
submit score "$csv" image row digit "$model" "$run/digits-scores.parquet" | tee "$run/score.out"
times+=("score $((SECONDS - t)) s")

accuracy=$(sed -n 's/^scored 400 sequences: accuracy \([0-9.]*\);.*/\1/p' "$run/score.out")
[ -f "$run/digits-scores.parquet/_SUCCESS" ] || { echo "spark-submit-example: no Parquet scores" >&2; exit 1; }
awk -v a="$accuracy" 'BEGIN { exit !(a + 0 >= 0.6) }' || { echo "spark-submit-example: accuracy '$accuracy' below 0.6" >&2; exit 1; }
executors=$(ls -d "$run"/worker*/app-*/* 2>/dev/null | wc -l)
echo "spark-submit-example: OK ($mode): ${times[*]}, $executors executor JVMs, $((SECONDS - start)) s in all"
