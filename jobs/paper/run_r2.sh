#!/usr/bin/env bash
# run_r2.sh [EXPERIMENT...]: the reproduction of issue 15 as resumable sweeps (results/REPRODUCTION.md,
# "Round 2"). EXPERIMENT is a_syn, a_syn_cifar, a_lo_dense, bc_fashion, bc_vgg_aa, bc_capacity,
# bc_vit, d_hfss or dfmx (default: all, in that order); each is `fsweep run jobs/paper/r2_EXPERIMENT.ini --store results/paper/raw/r2_EXPERIMENT.h5`
# under mpirun with NP ranks (default: cores + 1; the master only schedules and writes), so
# running this again continues where a killed or interrupted sitting stopped (finished tasks are
# skipped; `kill` of this script drains the running tasks and exits 75). After each sitting of an
# experiment it appends to results/paper/r2/cost.tsv: experiment, UTC start, wall s, CPU s (user
# + system of every rank, /usr/bin/time), exit code, tasks done / in the grid, machine load
# average at the start, task seconds started in the sitting (task_s, from the store); and writes `fsweep report` of the store to results/paper/raw/r2_EXPERIMENT-report.
# The tables of REPRODUCTION.md come from jobs/paper/r2_tables.py over the stores.
# AUGS="none" (say) runs a sitting on a smaller grid: a copy of the config whose `augs` line is
# AUGS, on the same store. The grid's axes may grow on resume, so a later sitting with another
# AUGS, or without AUGS (the whole config), adds to the same store and skips what is done: this is
# how a short sitting finishes whole models (all their tasks) instead of a slice of every model.
# ARCHS="vgg16:0.125" (say) and DATASETS="Syn_B3, Syn_B4" (say) do the same with the `archs` and
# `datasets` lines (any of the three may be given).
# FORCE=1 passes --force: continue a store whose result-affecting keys changed (fsweep run --help),
# e.g. r2_bc_fashion's none models measured before transfer_augs existed (their results are the
# same under transfer_augs = none).
# MPI_BIND=none (default) starts the ranks unbound (`mpirun --bind-to none`): Open MPI binds each
# job's rank r to core r, so two sittings run side by side (a_syn_cifar beside bc_capacity, say)
# put both workers on core 1 and leave core 0 idle (seen 2026-12-07: three 2-rank sittings, each
# worker at 33 % of one core, the machine 48 % idle). MPI_BIND=core restores Open MPI's binding.
# FSWEEP_THREADS=N gives each rank N engine threads (default 1: the ranks bring the parallelism);
# results do not depend on it. It does not speed up an HFSS or DFM task: their scorer filters
# and scores on one thread (measured 2026-12-07: the second thread 2 % busy in an HFSS task).
set -uo pipefail
cd "$(dirname "$0")/../.."
FS=${FS:-build/fsweep}
NP=${NP:-$(( $(nproc) + 1 ))}
RAW=results/paper/raw
OUT=results/paper/r2
mkdir -p "$RAW" "$OUT"
[ -s "$OUT/cost.tsv" ] || printf 'experiment\tstart_utc\twall_s\tcpu_s\trc\tdone\ttotal\tload_start\ttask_s\n' >"$OUT/cost.tsv"
export FSWEEP_THREADS=${FSWEEP_THREADS:-1} OPENBLAS_NUM_THREADS=1
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
exps=("$@")
[ ${#exps[@]} -gt 0 ] || exps=(a_syn a_syn_cifar a_lo_dense bc_fashion bc_vgg_aa bc_capacity bc_vit d_hfss dfmx)
stop=0
# SIGUSR1 goes to mpirun (the child of /usr/bin/time, which would die of it), which passes it to
# every rank: the master drains and exits 75.
trap 'stop=1; [ -n "${mp:-}" ] && { pkill -USR1 -P "$mp" 2>/dev/null || kill -USR1 "$mp" 2>/dev/null; }' TERM INT
for e in "${exps[@]}"; do
  ini=jobs/paper/r2_$e.ini store=$RAW/r2_$e.h5
  [ -f "$ini" ] || { echo "run_r2.sh: no $ini"; exit 2; }
  tag=$e
  if [ -n "${AUGS:-}${ARCHS:-}${DATASETS:-}" ]; then
    sub=$RAW/r2_$e.augs.ini
    cp "$ini" "$sub" || exit 2
    for ax in augs archs datasets; do
      case $ax in augs) v=${AUGS:-} ;; archs) v=${ARCHS:-} ;; datasets) v=${DATASETS:-} ;; esac
      [ -n "$v" ] || continue
      grep -q "^$ax = " "$sub" || { echo "run_r2.sh: $ini has no '$ax = ' line for ${ax^^}"; exit 2; }
      sed -i "s|^$ax = .*|$ax = $v|" "$sub" || exit 2
      tag="$tag[$ax=$v]"
    done
    ini=$sub
  fi
  start=$(date -u +%FT%TZ) t0=$(date +%s) load=$(cut -d' ' -f1 /proc/loadavg)
  force=()
  [ "${FORCE:-0}" = 1 ] && force=(--force)
  echo "[$start] $tag: $FS run $ini --store $store ${force[*]} (NP=$NP)"
  if command -v mpirun >/dev/null 2>&1; then
    /usr/bin/time -f '%e %U %S' -o "$RAW/.time_$e" mpirun --oversubscribe --bind-to "${MPI_BIND:-none}" -np "$NP" -x FSWEEP_THREADS \
      -x OPENBLAS_NUM_THREADS "$FS" run "$ini" --store "$store" "${force[@]}" -q &
  else
    /usr/bin/time -f '%e %U %S' -o "$RAW/.time_$e" "$FS" run "$ini" --store "$store" "${force[@]}" -q &
  fi
  mp=$!
  while true; do wait "$mp"; rc=$?; kill -0 "$mp" 2>/dev/null || break; done
  mp=
  read -r wall usr sys < <(tail -1 "$RAW/.time_$e")
  counts=$("$FS" status "$store" 2>/dev/null | awk '/^done:/ {print $2 "\t" $4}')
  # task_s: the seconds of every task attempt this sitting started (one core each), from the
  # store's task table; counts what /usr/bin/time misses when an interrupted mpirun exits
  # before reaping its ranks (cpu_s then near 0)
  task_s=$(/usr/bin/python3 -c 'import sys, h5py
t = h5py.File(sys.argv[1], "r")["tasks"][()]
print("%.0f" % sum(float(r["wall"]) for r in t if r["start"] >= float(sys.argv[2])))' "$store" "$t0" 2>/dev/null || echo "?")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tag" "$start" "$wall" "$(awk -v u="$usr" -v s="$sys" 'BEGIN {printf "%.0f", u + s}')" "$rc" \
    "${counts:-0	?}" "$load" "$task_s" >>"$OUT/cost.tsv"
  "$FS" report "$store" -o "$RAW/r2_$e-report" >/dev/null 2>&1 || echo "  report of $store failed"
  [ $stop = 1 ] && { echo "interrupted: run it again to resume"; exit 75; }
done
