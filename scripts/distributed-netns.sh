#!/usr/bin/env bash
# Two "hosts" on one machine for netc's data-parallel measurements: network namespaces netc-r0 and
# netc-r1 joined by a veth pair (10.77.0.1 <-> 10.77.0.2), each end rate-limited by tc's token bucket,
# and mpirun told to launch the second rank through `ip netns exec` instead of ssh. Needs root.
#
#   scripts/distributed-netns.sh up 200mbit      # create (the rate is tc's: 1gbit, 200mbit, ...)
#   scripts/distributed-netns.sh run netc bench examples/mnist_cnn.net --distributed --batch 50
#   scripts/distributed-netns.sh down
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir=/tmp/netc-netns
case "${1:-}" in
  up)
    rate="${2:-1gbit}"
    ip netns add netc-r0 && ip netns add netc-r1
    ip link add nv0 type veth peer name nv1
    ip link set nv0 netns netc-r0 && ip link set nv1 netns netc-r1
    ip -n netc-r0 addr add 10.77.0.1/24 dev nv0 && ip -n netc-r1 addr add 10.77.0.2/24 dev nv1
    for ns in netc-r0:nv0 netc-r1:nv1; do
      ip -n "${ns%%:*}" link set lo up && ip -n "${ns%%:*}" link set "${ns##*:}" up
      ip netns exec "${ns%%:*}" tc qdisc add dev "${ns##*:}" root tbf rate "$rate" burst 128kb latency 200ms
    done
    mkdir -p "$dir"
    printf '10.77.0.1 slots=1\n10.77.0.2 slots=1\n' > "$dir/hosts"
    # mpirun's rsh agent gets "HOST COMMAND...": run COMMAND in the namespace that owns HOST
    cat > "$dir/agent.sh" <<'AGENT'
#!/bin/bash
host="$1"; shift
case "$host" in 10.77.0.1) ns=netc-r0;; 10.77.0.2) ns=netc-r1;; *) echo "agent: unknown host $host" >&2; exit 1;; esac
exec ip netns exec "$ns" /bin/sh -c "$*"
AGENT
    chmod +x "$dir/agent.sh" ;;
  run)
    shift
    [ "${1:-}" = netc ] && { shift; set -- "$root/netc" "$@"; }
    # TCP only (shared memory would bypass the rate-limited link), over the veth
    exec ip netns exec netc-r0 mpirun --allow-run-as-root --hostfile "$dir/hosts" -np 2 --map-by node \
      --mca plm_rsh_agent "$dir/agent.sh" --mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 \
      --mca oob_tcp_if_include 10.77.0.0/24 -x PATH "$@" ;;
  down)
    ip netns del netc-r0 2>/dev/null || true
    ip netns del netc-r1 2>/dev/null || true
    rm -rf "$dir" ;;
  *) echo "usage: $0 up [RATE] | run COMMAND... | down" >&2; exit 2 ;;
esac
