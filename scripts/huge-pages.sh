# Sourced by ./netc and the GPU bundle's scripts. netc_huge_page_opts prints the JVM option that puts the heap on
# transparent huge pages (2 MiB) where the kernel grants them on request, and nothing elsewhere (where it never
# does, the JVM would only warn; where it always does, no option is needed).
# Why: the GEMMs walk a weight matrix's rows a row apart (4 KiB for the MNIST CNN's 3136 x 1024 dense layer), so on
# 4 KiB pages every row of a sliver is a TLB miss. Measured on a 2-core Zen 4 while the host was busy
# (bench/results/issue12-session25-*): the dense layer's forward product 2.60 -> 2.28 ms, the weight-gradient product
# with Adam inside 3.21 -> 2.72 ms; on a quiet host the same or a few percent faster.
netc_huge_page_opts() {
  local mode=/sys/kernel/mm/transparent_hugepage/enabled
  if [ -r "$mode" ] && grep -q '\[madvise\]' "$mode"; then
    echo "-XX:+UseTransparentHugePages"
  fi
}
