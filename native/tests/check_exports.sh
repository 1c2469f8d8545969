#!/bin/sh
# check_exports.sh LIB HEADER — the dynamic symbols librnnk defines must be exactly the functions
# RNNK_API declares in rnnk.h. GCC's target_clones adds one "<name>.resolver" per cloned kernel
# (the IFUNC resolver, weak, same visibility as the kernel); those are accepted for declared names.
# The clones themselves (<name>.avx512f, .avx2, .default) must stay local.
set -eu
lib=$1 header=$2
tmp=${TMPDIR:-/tmp}/rnnk_exports.$$
trap 'rm -f "$tmp".*' EXIT
nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/\.resolver$//' | sort -u > "$tmp.exported"
grep '^RNNK_API' "$header" | sed 's/(.*//' | awk '{print $NF}' | tr -d '*' | sort -u > "$tmp.declared"
if ! diff -u "$tmp.declared" "$tmp.exported"; then
  echo "check_exports: the exported symbols (+) differ from those declared in rnnk.h (-)" >&2
  exit 1
fi
echo "check_exports: $(wc -l < "$tmp.declared") functions exported, nothing else"
