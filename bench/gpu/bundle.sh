#!/usr/bin/env bash
# Builds what bench/gpu/run.sh needs on a GPU machine that has no JDK, Maven or network, into
# bench/gpu/bundle/netc-gpu.tar.xz (git-ignored, about 40 MiB): a jlink'd JDK 25 runtime with the modules netc uses,
# the netc jars (the CLI, and the runtime's test classes with the device checks and benchmarks), the
# example models and a slice of MNIST (2,000 training and 1,000 test images). Run it here, then carry
# bench/gpu/bundle to the GPU machine with the work tree and run `OUT=DIR bash bench/gpu/run.sh` there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
source scripts/find-jdk.sh
jdk="$(netc_find_jdk)" || exit 2
bundle="bench/gpu/bundle"
mnist="${NETC_MNIST_DIR:-$root/../shared/data/mnist}"

echo "== build" >&2
./mvn25 -q -B ${NETC_MVN_FLAGS:-} install -DskipTests -pl cli -am
./mvn25 -q -B ${NETC_MVN_FLAGS:-} test-compile -pl runtime
cp_file="$(mktemp)"
./mvn25 -q -B ${NETC_MVN_FLAGS:-} -pl runtime dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"

rm -rf "$bundle.part"
part="$bundle.part/netc-gpu"
mkdir -p "$part/lib" "$part/examples" "$part/data/mnist"
cp cli/target/netc.jar "$part/lib/"
"$jdk/bin/jar" --create --file "$part/lib/netc-runtime-tests.jar" -C runtime/target/test-classes .
# JUnit's assertions (GpuTest's checks); not cuda-redist (NVRTC comes from the GPU machine's toolkit)
tr ':' '\n' <"$cp_file" | grep -E '/(junit-jupiter-api|opentest4j|apiguardian-api|junit-platform-commons)-[^/]*\.jar$' \
  | xargs -r -I{} cp {} "$part/lib/"
rm -f "$cp_file"
cp examples/*.net "$part/examples/"

if [[ -d $mnist ]]; then
  python3 - "$mnist" "$part/data/mnist" <<'PY'
import gzip, os, sys
src, dst = sys.argv[1], sys.argv[2]
def read(name):
    for n in (name, name + ".gz"):
        p = os.path.join(src, n)
        if os.path.exists(p):
            return (gzip.open if n.endswith(".gz") else open)(p, "rb").read()
    sys.exit(f"MNIST file {name} not in {src}")
for split, count in (("train", 2000), ("t10k", 1000)):
    images, labels = read(f"{split}-images-idx3-ubyte"), read(f"{split}-labels-idx1-ubyte")
    header = bytearray(images[:16]); header[4:8] = count.to_bytes(4, "big")
    with gzip.open(os.path.join(dst, f"{split}-images-idx3-ubyte.gz"), "wb") as f: f.write(bytes(header) + images[16:16 + count * 784])
    header = bytearray(labels[:8]); header[4:8] = count.to_bytes(4, "big")
    with gzip.open(os.path.join(dst, f"{split}-labels-idx1-ubyte.gz"), "wb") as f: f.write(bytes(header) + labels[8:8 + count])
PY
else
  echo "bundle: no MNIST in $mnist (set NETC_MNIST_DIR): the MNIST steps of run.sh will fail" >&2
fi

echo "== jlink" >&2
# the modules jdeps reports for netc.jar, plus jdk.compiler: the Java backend compiles the code it
# generates in memory (javax.tools), and the checks compare the GPU with it
"$jdk/bin/jlink" --add-modules java.base,java.compiler,jdk.compiler,java.desktop,java.management,java.sql,jdk.incubator.vector,jdk.management,jdk.unsupported \
  --strip-debug --no-header-files --no-man-pages --compress=zip-0 --output "$part/jdk"
# the JDK's libjvm.so carries its symbol table (5 MiB); the bundle does not need it
if command -v strip >/dev/null; then strip --strip-unneeded "$part/jdk/lib/server/libjvm.so"; fi
echo "== xz" >&2
# one xz archive (the jlink image uncompressed, so xz sees the classes): 110 MiB of files in ~40 MiB
tar -cf - -C "$bundle.part" netc-gpu | xz -T2 -6 >"$bundle.part/netc-gpu.tar.xz"
rm -rf "$bundle" && mkdir -p "$bundle"
mv "$bundle.part/netc-gpu.tar.xz" "$bundle/"
rm -rf "$bundle.part"
du -sh "$bundle/netc-gpu.tar.xz" >&2
echo "$bundle/netc-gpu.tar.xz"
