#!/usr/bin/env bash
# The whole grid on the CUDA simulator, for a local run (CI runs a share of it through the runtime's
# simulator tests): every example with a train block, fused and --no-fuse, trained with
# `netc train --backend cuda` and `--backend java`; the per-step losses must agree to 4 significant
# digits. Usage: scripts/cuda-sim-grid.sh [--data MNIST_DIR] [EXAMPLE.net...]  (default: all)
# Ends with "N passed, N failed"; logs in ${TMPDIR:-/tmp}/netc-cuda-sim-grid.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$root/../shared/data/mnist"
if [[ ${1:-} == --data ]]; then data="$2"; shift 2; fi
NETC_CUDA_LIB_DIR="$("$root/scripts/cuda-sim.sh")" || exit 2
export NETC_CUDA_LIB_DIR
logs="${TMPDIR:-/tmp}/netc-cuda-sim-grid"
mkdir -p "$logs"
files=("$@")
[[ ${#files[@]} == 0 ]] && files=("$root"/examples/*.net)
passed=0 failed=0
for file in "${files[@]}"; do
  grep -q '^train ' "$file" || continue
  name="$(basename "$file" .net)"
  for fuse in "" --no-fuse; do
    for backend in java cuda; do
      "$root/netc" train "$file" --backend "$backend" --steps 4 --batch 5 --log-every 1 --no-progress --data "$data" $fuse \
        >"$logs/$name$fuse.$backend.txt" 2>&1
    done
    if paste <(grep -o ' loss=[0-9.e+-]*' "$logs/$name$fuse.java.txt") <(grep -o ' loss=[0-9.e+-]*' "$logs/$name$fuse.cuda.txt") | awk '
        { split($1, a, "="); split($2, b, "="); n++; d = a[2] - b[2]; if (d < 0) d = -d; s = a[2] < 0 ? -a[2] : a[2]
          if (d > 1e-3 * s + 1e-4) bad++ }
        END { exit (n == 4 && !bad) ? 0 : 1 }'; then
      passed=$((passed + 1)); echo "ok   $name $fuse"
    else
      failed=$((failed + 1)); echo "FAIL $name $fuse (see $logs/$name$fuse.*.txt)"
    fi
  done
done
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
