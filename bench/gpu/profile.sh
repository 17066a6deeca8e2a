#!/usr/bin/env bash
# Per-kernel profile of the MNIST CNN on a GPU machine, from the bundle bench/gpu/bundle.sh builds:
#   OUT=DIR bash bench/gpu/profile.sh [BATCH...]
# `netc bench --backend cuda --profile` at each batch (default 64 256), the losses of a short training
# on both backends, and, where Nsight Compute (ncu) is installed, its speed-of-light and occupancy
# sections for the fused and unfused first convolution.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${OUT:?set OUT to the folder for the results}"
bundle="${TMPDIR:-/tmp}/netc-gpu-bundle"
mkdir -p "$bundle" "$out"
[[ -x $bundle/jdk/bin/java ]] || xz -dc "$here/bundle/netc-gpu.tar.xz" | tar -xf - -C "$bundle" --strip-components=1
source "$here/../../scripts/huge-pages.sh"  # netc_huge_page_opts: the heap on 2 MiB pages, as ./netc runs it
jvm=("$bundle/jdk/bin/java" --enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector -Xss16m -Xmx8g $(netc_huge_page_opts) -cp "$bundle/lib/*")
model="$here/../../examples/mnist_cnn.net"
for backend in java cuda; do
  timeout 120 "${jvm[@]}" dev.netc.cli.Main train "$model" --backend $backend --steps 4 --batch 64 --log-every 1 --no-progress \
    --data "$bundle/data/mnist" 2>&1 | grep -o 'step.*loss=[0-9.e+-]*' | sed "s/^/$backend: /"
done
for b in "${@:-64 256}"; do
  timeout 150 "${jvm[@]}" dev.netc.cli.Main bench "$model" --backend cuda --profile --batch "$b" --steps 30 --warmup 10 \
    --json "$out/bench-b$b.json" >"$out/bench-b$b.txt" 2>&1
  echo "bench batch $b: exit $?"
  grep -v '^WARNING' "$out/bench-b$b.txt" | head -32
done
ncu="$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)"
if [[ -n $ncu ]]; then
  timeout 150 "$ncu" -k 'regex:k01_conv|k00_conv2d$' -c 2 --section SpeedOfLight --section Occupancy --section LaunchStats \
    "${jvm[@]}" dev.netc.cli.Main bench "$model" --backend cuda --steps 1 --warmup 0 --batch 64 >"$out/ncu.txt" 2>&1
  echo "ncu: exit $?"
  grep -E 'k0[01]_|Duration|Registers|Achieved Occupancy|Theoretical Occupancy|Shared Memory Config|Static Shared|Block Limit|Compute \(SM\) Throughput|Memory Throughput' "$out/ncu.txt" | head -40
else
  echo "no ncu"
fi
