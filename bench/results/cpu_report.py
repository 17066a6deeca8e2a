#!/usr/bin/env python3
"""Turns JMH JSON from run-cpu.sh into the markdown table of bench/results/cpu.md."""
import json, os, subprocess, sys

results = json.load(open(sys.argv[1]))
java = sys.argv[2] if len(sys.argv) > 2 else "java"
load = sys.argv[3] if len(sys.argv) > 3 else ""

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

peak1, peak1_err = score("FmaPeakBench.peakOneCore")
peakN, peakN_err = score("FmaPeakBench.peakAllCores")
print("# CPU kernel benchmarks (dev.netc.codegen.java.kernels)\n")
print("Produced by `bench/results/run-cpu.sh` (JMH 1.37, `-f 1 -wi 2 -i 3 -w 2s -r 3s`); raw data in `cpu.json`.\n")
print("## Machine\n")
print(f"- CPU: {cpuinfo('model name')}, {os.cpu_count()} cores (`nproc`), family {cpuinfo('cpu family')} model {cpuinfo('model')}")
print(f"- SIMD flags: {' '.join(simd)}; **avx512f {'present' if 'avx512f' in flags else 'absent'}** "
      f"-> FloatVector.SPECIES_PREFERRED = {lanes} floats ({lanes * 32}-bit)")
print(f"- JDK: {jdk}")
if load:
    print(f"- Load average around the run: {load}")
print()
print("## Measured FMA peak (12 independent fma chains in registers)\n")
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
