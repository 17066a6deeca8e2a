#!/usr/bin/env bash
# Runs the CPU kernel benchmarks and writes bench/results/cpu.md (raw JMH data in cpu.json / cpu.log).
# Usage (from the repo root): ./mvn25 -q -B install -DskipTests -pl bench -am && bench/results/run-cpu.sh
#
# Other work on the machine skews every wall-clock figure (JMH's included), so the script records the
# load average before and after, and also runs MnistKernelProfile on one thread measuring that thread's
# CPU time, which load disturbs much less, next to a CPU-time FMA peak taken in the same process.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/scripts/find-jdk.sh"
java="$(netc_find_jdk)/bin/java"
source "$root/scripts/huge-pages.sh"
pages="$(netc_huge_page_opts)" # the heap on 2 MiB pages where the OS grants them on request, as ./netc runs
out="$root/bench/results"
jar="$root/bench/target/benchmarks.jar"
load_before="$(cut -d" " -f1-3 /proc/loadavg)"
# The FMA peak runs before and after the kernels and the report keeps the higher of the two, so a
# burst of outside load during one of them does not make the peak (and every fraction) wrong.
jmh() { "$java" -jar "$jar" "$1" ${pages:+-jvmArgsPrepend "$pages"} -f 1 -wi 3 -i 5 -w 2s -r 2s -rf json -rff "$2"; }
{
    jmh 'FmaPeakBench' "$out/cpu-peak-before.json"
    jmh 'GemmBench|ConvBench' "$out/cpu.json"
    jmh 'FmaPeakBench' "$out/cpu-peak-after.json"
} | tee "$out/cpu.log"
"$java" $pages -XX:ActiveProcessorCount=1 -Dsgemm=true --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$jar" \
    dev.netc.bench.MnistKernelProfile 50 20 2>/dev/null | tee "$out/cpu-profile.txt"
load="before: $load_before, after: $(cut -d" " -f1-3 /proc/loadavg)"
python3 "$out/cpu_report.py" "$out/cpu.json" "$java" "$load" "$out/cpu-profile.txt" \
    "$out/cpu-peak-before.json" "$out/cpu-peak-after.json" > "$out/cpu.md"
echo "wrote $out/cpu.md"
