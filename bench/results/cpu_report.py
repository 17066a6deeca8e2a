#!/usr/bin/env python3
"""Turns JMH JSON from run-cpu.sh into the markdown table of bench/results/cpu.md."""
import json, os, subprocess, sys

results = json.load(open(sys.argv[1]))
java = sys.argv[2] if len(sys.argv) > 2 else "java"
load = sys.argv[3] if len(sys.argv) > 3 else ""
profile = sys.argv[4] if len(sys.argv) > 4 else None
peak_runs = [json.load(open(f)) for f in sys.argv[5:]]

def cpuinfo(key):
    for line in open("/proc/cpuinfo"):
        if line.startswith(key):
            return line.split(":", 1)[1].strip()
    return "?"

flags = cpuinfo("flags").split()
simd = [f for f in ("avx", "avx2", "fma", "avx512f", "avx512vl") if f in flags]
jdk = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4

def score(name, **params):
    for r in results:
        if r["benchmark"].endswith(name) and all(r["params"].get(k) == str(v) for k, v in params.items()):
            m = r["primaryMetric"]
            return m["score"], m["scoreError"]
    return None, None

def best_peak(name):
    """The higher of the peak runs (before and after the kernels), falling back to cpu.json."""
    best = (None, None)
    for run in peak_runs or [results]:
        for r in run:
            if r["benchmark"].endswith(name):
                m = r["primaryMetric"]
                if best[0] is None or m["score"] > best[0]:
                    best = (m["score"], m["scoreError"])
    return best

peak1, peak1_err = best_peak("FmaPeakBench.peakOneCore")
peakN, peakN_err = best_peak("FmaPeakBench.peakAllCores")
print("# CPU kernel benchmarks (dev.netc.kernels)\n")
print("Produced by `bench/results/run-cpu.sh` (JMH 1.37, `-f 1 -wi 3 -i 5 -w 2s -r 2s`); raw data in `cpu.json`.\n")
print("## Machine\n")
print(f"- CPU: {cpuinfo('model name')} (flags: {' '.join(f for f in flags if f.startswith(('avx', 'fma', 'sse4')))})")
print(f"- Cores: {os.cpu_count()} (`nproc`), family {cpuinfo('cpu family')} model {cpuinfo('model')}")
print(f"- SIMD flags: {' '.join(simd)}; **avx512f {'present' if 'avx512f' in flags else 'absent'}** "
      f"-> FloatVector.SPECIES_PREFERRED = {lanes} floats ({lanes * 32}-bit)")
print(f"- JDK: {jdk}")
caches = [l for l in open(profile) if l.startswith("caches: ")] if profile and os.path.exists(profile) else []
if caches:
    print(f"- Caches, as the kernels read them to size their blocks: {caches[0][len('caches: '):].strip()}")
if load:
    print(f"- Load average around the run: {load}")
print()
print("## Measured FMA peak (10 independent fma chains in registers; the higher of a run before and after the kernels)\n")
print("| threads | GFLOP/s |\n|---|---|")
print(f"| 1 | {peak1 / 1e9:.1f} ± {peak1_err / 1e9:.1f} |")
print(f"| {os.cpu_count()} (all) | {peakN / 1e9:.1f} ± {peakN_err / 1e9:.1f} |")
print()
print("## sgemm (square, row-major, no transposes, all cores)\n")
print("| size | ms | GFLOP/s | fraction of measured all-core peak |\n|---|---|---|---|")
for size in (512, 1024, 2048):
    ms, err = score("GemmBench.sgemm", size=size)
    if ms is None:
        continue
    gflops = 2.0 * size ** 3 / (ms * 1e-3) / 1e9
    print(f"| {size} | {ms:.2f} ± {err:.2f} | {gflops:.1f} | {gflops * 1e9 / peakN:.0%} |")
print()
print("## Convolution + bias + ReLU, fused epilogue vs unfused (conv, then bias pass, then ReLU pass)\n")
print("MNIST CNN layers, 5x5 'same': conv1 = 1->32 channels at 28x28, conv2 = 32->64 channels at 14x14.\n")
print("| layer | batch | fused ms | unfused ms | unfused / fused | fused GFLOP/s | fraction of peak |")
print("|---|---|---|---|---|---|---|")
for layer, c, hw, f in (("conv1", 1, 28, 32), ("conv2", 32, 14, 64)):
    for batch in (50, 256):
        fused, ferr = score("ConvBench.fused", layer=layer, batch=batch)
        unfused, uerr = score("ConvBench.unfused", layer=layer, batch=batch)
        if fused is None or unfused is None:
            continue
        gflops = 2.0 * batch * f * hw * hw * c * 25 / (fused * 1e-3) / 1e9
        print(f"| {layer} | {batch} | {fused:.2f} ± {ferr:.2f} | {unfused:.2f} ± {uerr:.2f} | "
              f"{unfused / fused:.2f}x | {gflops:.1f} | {gflops * 1e9 / peakN:.0%} |")

if profile:
    print()
    print("## One MNIST CNN training step, kernel by kernel (one thread, CPU time)\n")
    print("`MnistKernelProfile 50 20` with `-XX:ActiveProcessorCount=1`: every library call the fused generated")
    print("model makes per step at batch 50 (convolutions with bias, ReLU and pooling, argmax in training; the dense")
    print("layer's GEMMs; no elementwise glue or optimizer), timed by the thread's CPU time so other processes")
    print("barely skew it, against an FMA peak measured the same way in the same process (before and after the")
    print("kernels, the faster kept: CPU time does not see a busy sibling thread on the host core). Two cores give at most")
    print("twice these rates. FLOPs are a direct convolution's: the Winograd kernels (conv2) do fewer, so they can")
    print("read above 100%. The sgemm row is a reference, not part of the step's total. Each call is warmed up until it")
    print("allocates nothing (C2 has compiled its vector code); the last column shows heap bytes per timed call.\n")
    print("```")
    print(open(profile).read().rstrip())
    print("```")

print()
print("## Reading these numbers\n")
print("- Fractions are of the FMA peak measured in the same run (all-core peak for the JMH tables,")
print("  one-thread CPU-time peak for the profile). The peak benchmark uses ten independent chains: with")
print("  twelve, C2 ran out of AVX2's sixteen registers and the \"peak\" came out ~20% low on the AVX2")
print("  machine (an earlier run there showed sgemm above 100% of it).")
# the FLOP bound of MNIST CNN training and inference at this run's all-core peak (82.3 and 27.8 MFLOP per image)
print(f"- One MNIST CNN training step at batch 50 is ~4.1 GFLOP (82.3 MFLOP per image: forward 27.8, backward")
print(f"  about twice that, less conv1's data gradient), so at this run's all-core peak ({peakN / 1e9:.0f} GFLOP/s,")
print(f"  {lanes} lanes) even 100% of the peak trains {peakN / 82.3e6:,.0f} images/s, and inference of 1,000 images")
print(f"  (27.8 GFLOP) needs at least {27.8e9 / peakN * 1e3:.0f} ms. The issue's target, half the FLOP bound, is")
print(f"  {peakN / 82.3e6 / 2:,.0f} training images/s here.")
print("- The fused/unfused ratios come from the JMH table only: timed inside the one-JVM profile, right")
print("  after the fused call, the unfused conv2 sequence measured 1.8x slower in CPU time although the")
print("  same calls run alone take the same time fused or not (a JIT-profile artefact of sharing a JVM).")
print("- Wall-clock figures taken while other jobs run are low by the share of the cores those jobs took;")
print("  compare them only with figures from the same run (the load average is recorded above).")
