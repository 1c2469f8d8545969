#!/bin/sh
# compare_hashes.sh TEST... — runs each rnnk_test build and checks they print the same output
# hash: the dispatching shared library and the single-ISA builds of the kernels must agree bit for
# bit. A build the CPU cannot run (exit code 77) is left out; at least two must run.
set -u
ref="" ran=0 status=0
for t in "$@"; do
  out=$("$t"); rc=$?
  if [ "$rc" -eq 77 ]; then echo "$(basename "$t"): skipped (CPU lacks the ISA)"; continue; fi
  if [ "$rc" -ne 0 ]; then echo "$(basename "$t"): failed with exit code $rc"; status=1; continue; fi
  h=$(printf '%s\n' "$out" | sed -n 's/^hash //p')
  echo "$(basename "$t"): hash $h"
  ran=$((ran + 1))
  if [ -z "$ref" ]; then ref=$h; elif [ "$h" != "$ref" ]; then echo "  differs from $ref"; status=1; fi
done
if [ "$ran" -lt 2 ]; then echo "compare_hashes: fewer than two builds ran"; status=1; fi
exit $status
