#!/usr/bin/env bash
# A sweep across real network hops: 2 "nodes" made as network namespaces on this machine, joined
# by a bridge in a third (hub) namespace, with addresses in a private /24 that exists only inside
# these namespaces. Open MPI runs over TCP between them (btl tcp,self; an rsh agent that enters
# the node's namespace). Mid-run, every process of node 2 is killed with SIGKILL: the job must end
# promptly (no hang), the store must open with every task reported done, and the resumed run must
# complete it with results equal to an uninterrupted run. The namespaces are removed on exit.
# Skipped (with the reason) where namespaces cannot be made: not root, no `ip`, no mpirun.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
B=$(cd "$B" && pwd)
[ "$(id -u)" = 0 ] || skip "needs root to create network namespaces"
need_cmd ip "iproute2 (ip) not installed"
need_cmd mpirun
P=fsw$$                     # names: ${P}h (hub), ${P}1, ${P}2 (nodes)
NET=10.77.$(( $$ % 200 + 20 ))
test_cleanup() {  # run by lib.sh on exit, before it removes $tmp
  for ns in ${P}1 ${P}2 ${P}h; do
    pids=$(ip netns pids $ns 2>/dev/null); [ -n "$pids" ] && kill -9 $pids 2>/dev/null
    ip netns del $ns 2>/dev/null
  done
}
ip netns add ${P}h 2>/dev/null || skip "cannot create network namespaces here"
ip -n ${P}h link add br0 type bridge && ip -n ${P}h link set br0 up || skip "cannot create a bridge"
ip -n ${P}h link set lo up
for i in 1 2; do
  ip netns add ${P}$i || skip "cannot create namespace ${P}$i"
  ip -n ${P}h link add p$i type veth peer name eth0 netns ${P}$i || skip "cannot create veth pairs"
  ip -n ${P}h link set p$i master br0
  ip -n ${P}h link set p$i up
  ip -n ${P}$i addr add $NET.$i/24 dev eth0
  ip -n ${P}$i link set eth0 up
  ip -n ${P}$i link set lo up
done
if command -v ping >/dev/null; then ip netns exec ${P}1 ping -c 1 -W 2 $NET.2 >/dev/null || skip "no connectivity between the namespaces"; fi
# the rsh agent: "host command..." -> run the command inside that host's namespace
cat > "$tmp/agent" <<AG
#!/bin/sh
h=\$1; shift; exec ip netns exec ${P}\${h##*.} sh -c "\$*"
AG
chmod +x "$tmp/agent"
cat > "$tmp/s.ini" <<'INI'
[sweep]
seed = 9
[axes]
datasets = tiny
archs = a1, a2
augs = none, flip
seeds = 0, 1, 2
[analyses]
dfm_parts = 3
[fake]
ms = 40
INI
$B/fsweep run "$tmp/s.ini" --store "$tmp/ref.h5" -q >"$tmp/ref.log" 2>&1; check $? "reference run (serial)"
MPI="mpirun --oversubscribe -np 4 --host $NET.1:2,$NET.2:2 --mca plm_rsh_agent $tmp/agent \
  --mca btl tcp,self --mca btl_tcp_if_include $NET.0/24 --mca oob_tcp_if_include $NET.0/24 \
  -x OPENBLAS_NUM_THREADS -x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"
# 1) a clean run across the two nodes
timeout 120 ip netns exec ${P}1 $MPI $B/fsweep run "$tmp/s.ini" --store "$tmp/a.h5" -q >"$tmp/a.log" 2>&1
check $? "sweep over TCP across 2 namespaces"
hosts=$($PY -c "import h5py,sys; t=h5py.File(sys.argv[1],'r')['tasks'][:]; print(len(set(t['rank'])))" "$tmp/a.h5" 2>/dev/null)
[ "$hosts" = 3 ]; check $? "tasks ran on all 3 worker ranks (got $hosts), 1 of them on node 2"
$PY tests/sweep_compare.py "$tmp/ref.h5" "$tmp/a.h5"; check $? "2-node results == serial"
# 2) kill node 2 mid-run
start=$(date +%s)
timeout 120 ip netns exec ${P}1 $MPI $B/fsweep run "$tmp/s.ini" --store "$tmp/k.h5" >"$tmp/k.log" 2>&1 &
job=$!
for _ in $(seq 200); do  # wait until ~20 tasks are done: mid-run
  [ "$(grep -c '] done' "$tmp/k.log")" -ge 20 ] && break; sleep 0.1
done
victims=$(ip netns pids ${P}2)
echo "killing node 2 after $(grep -c '] done' "$tmp/k.log") tasks: pids" $victims
[ -n "$victims" ]; check $? "node 2 runs processes"
kill -9 $victims 2>/dev/null
wait $job; rc=$?
el=$(( $(date +%s) - start ))
[ $rc != 0 ] && [ $rc != 124 ] && [ $el -lt 60 ]; check $? "job ended promptly after node 2 died (rc $rc, ${el}s)"
reported=$(grep -c '] done' "$tmp/k.log")
have=$($PY -c "import h5py,sys; t=h5py.File(sys.argv[1],'r')['tasks'][:]; print(int((t['status']==0).sum()))" "$tmp/k.h5" 2>/dev/null || echo -1)
[ "$have" -ge "$reported" ] && [ "$have" -gt 0 ]; check $? "store opens with $have finished tasks >= $reported reported"
timeout 120 ip netns exec ${P}1 $MPI $B/fsweep run "$tmp/s.ini" --store "$tmp/k.h5" -q >>"$tmp/k.log" 2>&1
check $? "resumed 2-node run completes"
$PY tests/sweep_compare.py "$tmp/ref.h5" "$tmp/k.h5"; check $? "killed node + resume == uninterrupted"
finish
