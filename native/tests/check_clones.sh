#!/bin/sh
# check_clones.sh LIB — every target_clones kernel in librnnk really is vectorised per ISA:
# its .avx512f clone uses zmm registers, its .avx2 clone ymm registers, and no clone calls out
# (an out-of-line helper would be compiled for the baseline ISA only). The FMA-cloned GEMM
# (.arch_x86_64_v4 / .arch_x86_64_v3, dispatch.h) must also use FMA instructions in those clones
# and none in its baseline. Needs objdump (binutils).
set -eu
lib=$1
if ! command -v objdump >/dev/null 2>&1; then echo "check_clones: objdump not found, skipped"; exit 77; fi
clones=$(nm "$lib" | awk '$2 == "t" && $3 ~ /^rnnk_.*\.(avx512f|avx2|arch_x86_64_v4|arch_x86_64_v3|default)$/ {print $3}' | sort)
if [ -z "$clones" ]; then echo "check_clones: no target_clones clones in $lib, skipped"; exit 77; fi
status=0
for f in $clones; do
  dis=$(objdump -d --no-show-raw-insn "$lib" --disassemble="$f")
  zmm=$(printf '%s\n' "$dis" | grep -c 'zmm' || true)
  ymm=$(printf '%s\n' "$dis" | grep -c 'ymm' || true)
  calls=$(printf '%s\n' "$dis" | grep -cE '\scall' || true)
  fma=$(printf '%s\n' "$dis" | grep -c 'vfmadd' || true)
  case $f in
    *.avx512f) [ "$zmm" -gt 0 ] || { echo "FAIL $f: no zmm instructions"; status=1; } ;;
    *.avx2)    [ "$ymm" -gt 0 ] || { echo "FAIL $f: no ymm instructions"; status=1; } ;;
    *.arch_x86_64_v4) [ "$zmm" -gt 0 ] && [ "$fma" -gt 0 ] || { echo "FAIL $f: no zmm FMA instructions"; status=1; } ;;
    *.arch_x86_64_v3) [ "$ymm" -gt 0 ] && [ "$fma" -gt 0 ] || { echo "FAIL $f: no ymm FMA instructions"; status=1; } ;;
    *.default) [ "$fma" -eq 0 ] || { echo "FAIL $f: FMA in the baseline clone"; status=1; } ;;
  esac
  [ "$calls" -eq 0 ] || { echo "FAIL $f: calls another function"; status=1; }
  printf '%-42s zmm %4d  ymm %4d  calls %d\n' "$f" "$zmm" "$ymm" "$calls"
done
exit $status
