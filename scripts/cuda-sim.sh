#!/usr/bin/env bash
# Builds netc's CUDA simulator (a stand-in libcuda.so.1 and libnvrtc.so.13 that run kernels on the
# host, see docs/cuda.md) once and prints the folder to put in NETC_CUDA_LIB_DIR:
#
#   NETC_CUDA_LIB_DIR=$(scripts/cuda-sim.sh) ./netc train examples/spirals.net --backend cuda
#
# Needs gcc/g++ and the CUDA toolkit's cuda.h ($CUDA_HOME/include, $CUDA_PATH/include or
# /usr/local/cuda/include); nvrtc.h is used when found there or in a pip CUDA package, else the
# simulator's own copy of NVRTC's published declarations. The build lands in
# ${NETC_CUDA_SIM_HOME:-runtime/target/cuda-sim}/<hash of the sources>, so a changed simulator is
# rebuilt and an unchanged one is reused; compiled kernel libraries are cached in its cache/ folder.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src=$root/runtime/src/test/c/cuda-sim
home=${NETC_CUDA_SIM_HOME:-$root/runtime/target/cuda-sim}

fail() { echo "cuda-sim: $*" >&2; exit 2; }
command -v gcc >/dev/null || fail "gcc not found (the simulator is C, compiled on this machine)"
command -v "${NETC_CUDA_SIM_CXX:-g++}" >/dev/null || fail "${NETC_CUDA_SIM_CXX:-g++} not found (it compiles the kernels)"

cuda_include=
for d in ${CUDA_HOME:+$CUDA_HOME/include} ${CUDA_PATH:+$CUDA_PATH/include} /usr/local/cuda/include /usr/include; do
  if [[ -f $d/cuda.h ]]; then cuda_include=$d; break; fi
done
[[ -n $cuda_include ]] || fail "cuda.h not found in \$CUDA_HOME/include, \$CUDA_PATH/include, /usr/local/cuda/include or /usr/include: install the CUDA toolkit headers"

nvrtc_include=
for d in "$cuda_include" $(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null | tr ' ' '\n' \
          | sed 's|$|/nvidia/cuda_nvrtc/include|;p;s|/nvidia/cuda_nvrtc/include|/nvidia/cu13/include|'); do
  if [[ -f $d/nvrtc.h ]]; then nvrtc_include=$d; break; fi
done

key=$( (cat "$src"/*.c "$src"/*.h "$0"; echo "$cuda_include $nvrtc_include"; gcc --version | head -1) | sha256sum | cut -c1-16)
out=$home/$key
# current -> the latest build: a fixed path for NETC_CUDA_LIB_DIR in the runtime's simulator tests
done_() { ln -sfn "$key" "$home/current"; echo "$out"; exit 0; }
if [[ -f $out/libcuda.so.1 && -f $out/libnvrtc.so.13 ]]; then done_; fi

mkdir -p "$home"
tmp=$(mktemp -d "$home/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# -Wmissing-prototypes -Werror: every exported function has its prototype in the NVIDIA header
cflags=(-std=c11 -O2 -fPIC -shared -Wall -Wextra -Wmissing-prototypes -Werror -I"$src")
gcc "${cflags[@]}" -I"$cuda_include" -Wl,-soname,libcuda.so.1 -o "$tmp/libcuda.so.1" "$src/sim_driver.c" -ldl -lpthread >&2 \
  || fail "building libcuda.so.1 against $cuda_include/cuda.h failed"
if [[ -n $nvrtc_include ]]; then
  nvrtc_flags=(-I"$nvrtc_include")
else
  echo "cuda-sim: note: no nvrtc.h found; building libnvrtc.so.13 against the simulator's copy of NVRTC's declarations" >&2
  nvrtc_flags=(-DNETC_SIM_NVRTC_FALLBACK)
fi
gcc "${cflags[@]}" "${nvrtc_flags[@]}" -Wl,-soname,libnvrtc.so.13 -o "$tmp/libnvrtc.so.13" "$src/sim_nvrtc.c" -ldl >&2 \
  || fail "building libnvrtc.so.13 failed"
cp "$src/netc_sim_cuda.h" "$src/netc_sim_abi.h" "$src/netc_emulated_intrinsics.h" "$tmp/"
mkdir -p "$tmp/cache"
if ! mv -T "$tmp" "$out" 2>/dev/null; then
  [[ -f $out/libcuda.so.1 ]] || fail "cannot move the build to $out"  # another build won the race
fi
trap - EXIT
rm -rf "$tmp"
done_
