#!/usr/bin/env bash
# Runs the CPU kernel benchmarks with short settings and writes bench/results/cpu.md.
# Usage (from the repo root): ./mvn25 -q -pl bench -am package -DskipTests && bench/results/run-cpu.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/scripts/find-jdk.sh"
java="$(netc_find_jdk)/bin/java"
out="$root/bench/results"
load_before="$(cut -d" " -f1-3 /proc/loadavg)"
"$java" -jar "$root/bench/target/benchmarks.jar" 'FmaPeakBench|GemmBench|ConvBench' \
    -f 1 -wi 2 -i 3 -w 2s -r 3s -rf json -rff "$out/cpu.json" | tee "$out/cpu.log"
load="before: $load_before, after: $(cut -d" " -f1-3 /proc/loadavg)"
python3 "$out/cpu_report.py" "$out/cpu.json" "$java" "$load" > "$out/cpu.md"
echo "wrote $out/cpu.md"
