#!/usr/bin/env bash
# The one device run: checks and benchmarks of netc's CUDA backend on a GPU machine that has the NVIDIA
# driver and toolkit (maybe Python with pip CUDA libraries, maybe PyTorch) but no JDK, Maven or
# network. It runs from the bundle bench/gpu/bundle.sh builds (bench/gpu/bundle/netc-gpu.tar.xz,
# git-ignored: a jlink'd JDK 25, the netc jars, the example models and a slice of MNIST, unpacked
# into $TMPDIR on first use):
#
#   OUT=DIR bash bench/gpu/run.sh        # results: DIR/gpu-<device>.md and DIR/gpu-<device>.json
#
# Each step has its own time limit and a failed step does not stop the others; the last line is
# "N passed, N failed". Libraries are found as the runtime finds them ($NETC_CUDA_LIB_DIR, CUDA_HOME,
# /usr/local/cuda, ...); NVRTC and cuDNN from pip packages (nvidia/*/lib in site-packages) are added to
# LD_LIBRARY_PATH. CI runs this script against the CUDA simulator
# (NETC_CUDA_LIB_DIR=$(scripts/cuda-sim.sh), NETC_GPU_QUICK=1: small sizes), so it is known to work.
# Without a bundle, NETC_JAVA, NETC_CLASSPATH and NETC_PROJECT_ROOT name a JDK, the jars and the
# folder holding examples/ and data/mnist (CI's test does this from the build tree).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
archive="$here/bundle/netc-gpu.tar.xz"
bundle="${TMPDIR:-/tmp}/netc-gpu-bundle"
if [[ -z ${NETC_JAVA:-} && -f $archive && ! $bundle/.from -nt $archive ]]; then
  echo "== unpacking $archive into $bundle"
  rm -rf "$bundle" && mkdir -p "$bundle" && xz -dc "$archive" | tar -xf - -C "$bundle" --strip-components=1 && touch "$bundle/.from"
fi
java="${NETC_JAVA:-$bundle/jdk/bin/java}"
classpath="${NETC_CLASSPATH:-$bundle/lib/*}"
project="${NETC_PROJECT_ROOT:-$bundle}"
out="${OUT:?set OUT to the folder for the results}"
quick="${NETC_GPU_QUICK:-0}"
if [[ ! -x $java ]]; then
  echo "error: no JDK at $java: run bench/gpu/bundle.sh on a build machine first (or set NETC_JAVA)" >&2
  exit 2
fi
mkdir -p "$out"
work="$(mktemp -d "$out/.work.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# NVRTC and cuDNN from pip wheels (nvidia-cuda-nvrtc, nvidia-cudnn-cu12/13) live in site-packages
for py in python3 python; do
  command -v "$py" >/dev/null || continue
  for d in $("$py" -c 'import site; print(" ".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null); do
    for lib in "$d"/nvidia/*/lib "$d"/nvidia/cu*/lib; do
      [[ -d $lib ]] && LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    done
  done
  break
done
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}"

source "$here/../../scripts/huge-pages.sh"  # netc_huge_page_opts: the heap on 2 MiB pages, as ./netc runs it
jvm=("$java" --enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector -Xss16m -Xmx8g $(netc_huge_page_opts)
     -Dnetc.projectRoot="$project" -cp "$classpath")
netc=("${jvm[@]}" dev.netc.cli.Main)
passed=0 failed=0 skipped=0
rows=() json=()

# step NAME SECONDS COMMAND...: runs one step with its own time limit, output in $work/NAME.log
step() {
  local name="$1" limit="$2"; shift 2
  local log="$work/$name.log" start=$SECONDS status
  echo "== $name (limit ${limit} s)"
  # a step is this script again in step mode, so that shell functions run under timeout too
  timeout --kill-after=10 "$limit" bash "${BASH_SOURCE[0]}" --step "$@" >"$log" 2>&1
  status=$?
  local took=$((SECONDS - start)) result
  case $status in
    0) result=passed; passed=$((passed + 1)) ;;
    77) result=skipped; skipped=$((skipped + 1)) ;;
    124|137) result="failed (timed out)"; failed=$((failed + 1)) ;;
    *) result="failed (exit $status)"; failed=$((failed + 1)) ;;
  esac
  tail -n 15 "$log"
  echo "-- $name: $result in ${took} s"
  rows+=("| $name | $result | $took |")
  json+=("{\"step\": \"$name\", \"result\": \"${result%% *}\", \"seconds\": $took}")
}

# the same training on both backends: per-step losses equal to 4 significant digits
compare_training() {
  local file="$1"; shift
  "${netc[@]}" train "$project/examples/$file" --backend java "$@" --log-every 1 --no-progress --data "$project/data/mnist" \
    >"$work/java.txt" 2>&1 || { cat "$work/java.txt"; return 1; }
  "${netc[@]}" train "$project/examples/$file" --backend cuda "$@" --log-every 1 --no-progress --data "$project/data/mnist" \
    >"$work/cuda.txt" 2>&1 || { cat "$work/cuda.txt"; return 1; }
  paste <(grep -o ' loss=[0-9.e+-]*' "$work/java.txt") <(grep -o ' loss=[0-9.e+-]*' "$work/cuda.txt") | awk '
    { split($1, a, "="); split($2, b, "="); n++; printf "step %d: java %s cuda %s\n", n, a[2], b[2]
      d = a[2] - b[2]; if (d < 0) d = -d; s = a[2] < 0 ? -a[2] : a[2]; if (d > 1e-3 * s + 1e-4) bad++ }
    END { if (n == 0) { print "no losses logged"; exit 1 } if (bad) { print bad " steps differ"; exit 1 } }'
}

pytorch() {
  local py
  py="$(command -v python3 || command -v python)" || { echo "no Python"; return 77; }
  "$py" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null || { echo "no PyTorch with CUDA"; return 77; }
  "$py" "$here/pytorch_peer.py" "$1"
}

if [[ ${1:-} == --step ]]; then
  shift
  "$@"
  exit
fi

step versions 120 "${jvm[@]}" dev.netc.runtime.cuda.DeviceInfo
device="$(sed -n 's/^device: \(.*\) (.*/\1/p' "$work/versions.log" | head -1)"
device="$(echo "${device:-unknown}" | tr -c 'A-Za-z0-9._\n-' '_')"
if [[ $quick == 1 ]]; then
  # CI on the simulator: the runtime's simulator tests cover the larger models already
  steps=(--steps 3 --batch 5); checks=(4 2 spirals,lenet); bench=(8 1 2); cnn=(mnist_softmax.net)
  profile=(spirals.net --batch 8 --steps 2 --warmup 1)
else
  steps=(--steps 4 --batch 5); checks=(50 30); bench=(64,256 20 100); cnn=(resnet_small.net mnist_cnn.net)
  profile=(mnist_cnn.net --batch 64 --steps 30 --warmup 10)
fi
step train-spirals 300 compare_training spirals.net "${steps[@]}"
step train-spirals-unfused 300 compare_training spirals.net "${steps[@]}" --no-fuse
for f in "${cnn[@]}"; do step "train-${f%.net}" 300 compare_training "$f" "${steps[@]}"; done
step examples-vs-java 480 "${jvm[@]}" dev.netc.runtime.cuda.DeviceChecks "${checks[@]}"
step bench 480 "${jvm[@]}" dev.netc.runtime.cuda.CudaBenchMain "$work/bench.md" "${bench[@]}"
step pytorch 300 pytorch "$work/pytorch.md"
# netc bench --backend cuda --profile: both builds, each launch waited for and timed under its plan kernel
step profile 300 "${netc[@]}" bench "$project/examples/${profile[0]}" --backend cuda --profile "${profile[@]:1}" \
  --json "$work/profile.json"

md="$out/gpu-$device.md"
{
  echo "# netc CUDA device run: $device"
  echo
  echo '```'
  cat "$work/versions.log"
  echo '```'
  echo
  echo "| step | result | seconds |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  [[ -f $work/bench.md ]] && sed 's/^# /## /' "$work/bench.md"
  [[ -f $work/pytorch.md ]] && cat "$work/pytorch.md"
  if [[ -f $work/profile.log ]]; then
    echo
    echo "## netc bench --backend cuda --profile (${profile[*]})"
    echo
    echo '```'
    grep -v '^WARNING' "$work/profile.log"
    echo '```'
  fi
  echo
  echo "$passed passed, $failed failed, $skipped skipped"
} >"$md"
{
  echo "{\"device\": \"$device\", \"passed\": $passed, \"failed\": $failed, \"skipped\": $skipped, \"steps\": ["
  (IFS=,; echo "  ${json[*]}")
  echo "]}"
} >"$out/gpu-$device.json"
for f in "$work"/*.log; do cp "$f" "$out/"; done
echo "results: $md"
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
