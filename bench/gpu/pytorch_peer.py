# PyTorch on the same GPU as netc (run by bench/gpu/run.sh when torch with CUDA is installed): the mnist_cnn
# example trained in eager mode and with torch.compile (each guarded), images/s at batch 64 and 256.
# Writes a markdown section to the file named by the first argument.
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
        try:  # torch.compile fails lazily, at the first call, when its compiler toolchain is missing
            rows.append(f"| PyTorch {torch.__version__} {mode} | {batch} | {throughput(model, batch):.0f} |")
        except Exception as ex:
            rows.append(f"| PyTorch {torch.__version__} {mode} | {batch} | failed: {type(ex).__name__} |")
with open(out, "w") as f:
    f.write("\n## PyTorch on the same GPU (same run), images/s\n\n| framework | batch | images/s |\n|---|---|---|\n")
    f.write("\n".join(rows) + "\n")
print("\n".join(rows))
