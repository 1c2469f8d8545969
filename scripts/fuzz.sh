#!/usr/bin/env bash
# scripts/fuzz.sh — coverage-guided fuzzing (Jazzer) of every parser of outside bytes.
#
#   scripts/fuzz.sh [--short|--long] [FuzzTestClass ...]
#
#   --short   (default, the CI run) each target for its @FuzzTest(maxDuration): 30 s for the two
#             model-file targets, 20 s for the others — 3m of fuzzing, about 5 minutes in all
#   --long    10 minutes per target (an hour in all); FUZZ_DURATION overrides either (e.g. 2h)
#   classes   a subset, e.g. ModelFileHeaderFuzzTest (default: all of them, listed below)
#
# The targets are the @FuzzTest classes of java/src/test/java/dev/panamarnn/fuzz/ and (the command
# line's option parsing, CommandLineFuzzTest) cli/src/test/java/dev/panamarnn/fuzz/ and (the ONNX reader,
# OnnxReaderFuzzTest) onnx/src/test/java/dev/panamarnn/fuzz/ and (the speech lab's WAV reader,
# WavFuzzTest) examples/src/test/java/dev/panamarnn/fuzz/. One Maven run
# with JAZZER_FUZZ=1 fuzzes them one after the other, each in a fresh JVM (Jazzer fuzzes one test
# per JVM). Without JAZZER_FUZZ the same tests only replay their committed seeds, in every
# `./mvnw verify`. A finding fails its target: Jazzer writes the input to
# java/src/test/resources/dev/panamarnn/fuzz/<Class>Inputs/fuzz/crash-<sha1>, where it becomes a
# regression test (commit it with the fix). Inputs that grew coverage are kept in
# java/.cifuzz-corpus/ (not committed) and reused by the next run. The log of each target and a
# summary (executions, exec/s, coverage, corpus) go to java/target/fuzz/. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh

duration=
case "${1-}" in
  --short) shift ;;
  --long) duration=10m; shift ;;
  -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
  -*) echo "scripts/fuzz.sh: unknown option $1 (expected --short or --long)" >&2; exit 2 ;;
esac
duration=${FUZZ_DURATION:-$duration}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(RawModelFileFuzzTest ModelFileHeaderFuzzTest SnapshotFuzzTest CsvFuzzTest TextFuzzTest VocabularyFuzzTest SequenceModelFileFuzzTest SequenceCsvFuzzTest TrainingCheckpointFuzzTest Seq2SeqFileFuzzTest CommandLineFuzzTest OnnxReaderFuzzTest WavFuzzTest)
fi

out=java/target/fuzz
rm -rf "$out" && mkdir -p "$out"
per_target=${duration:-the maxDuration of each test}
echo "scripts/fuzz.sh: JDK $JAVA_HOME; ${targets[*]}; $per_target per target; logs in $out/"

# librnnk: built and packed by an earlier build (./mvnw verify) is reused as is; otherwise built now.
native=()
if [ -f java/target/classes/META-INF/native/linux-x86_64/librnnk.so ]; then
  native=(-Drnn.native.skip=true)
fi
[ -z "$duration" ] || export JAZZER_MAX_DURATION="$duration"
# --enable-native-access as always; EnableDynamicAgentLoading: Jazzer attaches its agent at run time
start=$(date +%s)
status=0
JAZZER_FUZZ=1 ./mvnw -B test -pl java,onnx,cli,examples -am "${native[@]}" \
    "-Drnn.jvm.flags=--enable-native-access=ALL-UNNAMED -XX:+EnableDynamicAgentLoading" \
    -Dtest="$(IFS=,; echo "${targets[*]}")" -Dsurefire.failIfNoSpecifiedTests=false \
    -DforkCount=1 -DreuseForks=false >"$out/maven.log" 2>&1 || status=$?
seconds=$(( $(date +%s) - start ))

# One log per target: the Maven log from "Running dev.panamarnn.fuzz.<Class>" to the next "Running".
awk -v dir="$out" '/^\[INFO\] Running dev\.panamarnn\.fuzz\./ { f = dir "/" substr($3, 20) ".log" } f { print > f }' "$out/maven.log"

summary="$out/summary.txt"
printf '%-24s %-7s %9s %7s %5s %8s %9s %5s\n' target result execs exec/s cov features corpus secs > "$summary"
findings=()
for target in "${targets[@]}"; do
  log="$out/$target.log"
  if [ ! -f "$log" ]; then
    printf '%-24s %-7s (did not run; see %s)\n' "$target" MISSING "$out/maven.log" | tee -a "$summary"
    findings+=("$target")
    continue
  fi
  result=ok
  if grep -q -E 'FuzzTestFindingException|<<< (FAILURE|ERROR)!' "$log"; then
    result=FINDING
    findings+=("$target")
  fi
  last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|NEW|REDUCE|pulse|INITED)' "$log" | tail -1 || true)
  field() { printf '%s\n' "$last" | sed -n "s|.* $1: \([^ ]*\).*|\1|p"; }
  execs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  secs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -1)
  printf '%-24s %-7s %9s %7s %5s %8s %9s %5s\n' "$target" "$result" "${execs:-?}" "$(field exec/s)" \
    "$(field cov)" "$(field ft)" "$(field corp)" "${secs:-?}" | tee -a "$summary"
  if [ "$result" = FINDING ]; then
    # the finding as Jazzer printed it: exception and stack, where the input went, the input (Base64)
    grep -E -A30 '== Java Exception|Test unit written|^Base64:' "$log" | grep -v -E '^\s+at org\.(junit|apache)\.' | head -60 >&2 || true
  fi
done
echo "scripts/fuzz.sh: ${seconds}s in all; summary in $summary" | tee -a "$summary"

if [ ${#findings[@]} -gt 0 ] || [ "$status" -ne 0 ]; then
  which="${findings[*]}"
  echo "scripts/fuzz.sh: findings in ${which:-no target} (Maven exit $status); crash inputs are under" \
       "{java,onnx,cli,examples}/src/test/resources/dev/panamarnn/fuzz/*Inputs/fuzz/crash-*; logs in $out/" >&2
  exit 1
fi
echo "scripts/fuzz.sh: OK, no findings"
