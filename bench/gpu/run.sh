#!/usr/bin/env bash
# One invocation on a GPU machine: build, run the GPU tests, benchmark, write bench/results/gpu-<device>.md.
#   bench/gpu/run.sh            (from anywhere; needs JDK 25 via ./mvn25, the NVIDIA driver, NVRTC, cuDNN 9)
# Libraries are found in $NETC_CUDA_LIB_DIR, $CUDA_HOME/lib64, /usr/local/cuda/lib64, then the system path.
# If NVRTC is not installed, the test dependency org.bytedeco:cuda-redist provides libnvrtc.so.13: this script
# points NETC_CUDA_LIB_DIR at the copy the NVRTC test unpacks (runtime/target/nvrtc).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
device="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr ' /' '__' || true)"
device="${device:-unknown}"
out="bench/results/gpu-${device}.md"
mkdir -p bench/results

echo "== build"
./mvn25 -q -B install -DskipTests

echo "== CPU-side CUDA checks (NVRTC compile of every example kernel, host emulation)"
./mvn25 -q -B test -pl codegen-cuda
./mvn25 -q -B test -pl runtime -Dtest='NvrtcCompileTest,CudaHostSideTest' -Dsurefire.failIfNoSpecifiedTests=false
if [[ -z "${NETC_CUDA_LIB_DIR:-}" ]] && ! ldconfig -p 2>/dev/null | grep -q libnvrtc.so; then
  export NETC_CUDA_LIB_DIR="$root/runtime/target/nvrtc"
fi

echo "== GPU tests (every example vs the Java backend, mnist_cnn training vs the CPU)"
./mvn25 -q -B test -pl runtime -Dgroups=gpu -Dnetc.excludedGroups=none -Dtest='GpuTest' -Dsurefire.failIfNoSpecifiedTests=false

echo "== benchmarks"
cp_file="$(mktemp)"
./mvn25 -q -B -pl runtime dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
java_bin="$(source scripts/find-jdk.sh && netc_find_jdk)/bin/java"
"$java_bin" --enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector \
  -Dnetc.projectRoot="$root" \
  -cp "runtime/target/test-classes:runtime/target/classes:$(cat "$cp_file")" \
  dev.netc.runtime.cuda.CudaBenchMain "$out"
rm -f "$cp_file"

echo "== PyTorch peer (same machine, same run)"
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  python3 - "$out" <<'PY'
import sys, time, torch, torch.nn as nn, torch.nn.functional as F
out = sys.argv[1]
torch.backends.cudnn.benchmark = True
class Net(nn.Module):
    """The mnist_cnn example: two 5x5 same conv + ReLU + 2x2 max pool, dense 1024 + dropout 0.5, dense 10."""
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 5, padding=2); self.c2 = nn.Conv2d(32, 64, 5, padding=2)
        self.d1 = nn.Linear(3136, 1024); self.d2 = nn.Linear(1024, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2); x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.d2(F.dropout(F.relu(self.d1(x.flatten(1))), 0.5, self.training))
def throughput(model, batch, warmup=10, steps=50):
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.rand(batch, 1, 28, 28, device="cuda"); y = torch.randint(0, 10, (batch,), device="cuda")
    def step():
        opt.zero_grad(set_to_none=True); F.cross_entropy(model(x), y).backward(); opt.step()
    for _ in range(warmup): step()
    torch.cuda.synchronize()
    times = []
    for _ in range(steps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); step(); e.record(); e.synchronize(); times.append(s.elapsed_time(e))
    times.sort()
    return batch / (times[len(times) // 2] / 1000)
rows = []
for mode in ("eager", "compile"):
    for batch in (64, 256):
        model = Net().cuda().train()
        if mode == "compile":
            try: model = torch.compile(model)
            except Exception as ex: rows.append(f"| torch.compile | {batch} | unavailable: {ex} |"); continue
        rows.append(f"| PyTorch {torch.__version__} {mode} | {batch} | {throughput(model, batch):.0f} |")
with open(out, "a") as f:
    f.write("\n## PyTorch on the same GPU (same run), images/s\n\n| framework | batch | images/s |\n|---|---|---|\n")
    f.write("\n".join(rows) + "\n")
print("\n".join(rows))
PY
else
  printf '\n## PyTorch\n\nPyTorch with CUDA is not installed on this machine: no peer figures.\n' >> "$out"
fi
echo "== results in $out"
cat "$out"
