#!/usr/bin/env bash
# The README's default run (make run): the quickstart sweep on this machine, under mpirun with
# one worker rank per core plus the master (which only schedules and writes, and naps while it
# waits) when mpirun exists, else serially. Results: results/quickstart.h5, and the report
# results/quickstart-report/index.html.
# Running it again resumes (finished tasks are skipped). Extra arguments go to `fsweep run`
# (e.g. `bash jobs/local.sh seeds=0,1`). NP=4 bash jobs/local.sh uses 4 ranks (3 workers).
# `kill` (SIGTERM) of this script drains the sweep: exit 75, run it again to resume.
# The ranks start unbound (MPI_BIND=none; `mpirun --bind-to none`): Open MPI binds rank r of
# every job to core r, so a second job on the same workstation would share the first one's
# cores and leave others idle. MPI_BIND=core restores Open MPI's binding.
set -uo pipefail
cd "$(dirname "$0")/.."
export FSWEEP_THREADS=${FSWEEP_THREADS:-1}   # engine threads per rank (ranks bring the parallelism)
CONFIG=${CONFIG:-jobs/quickstart.ini}
STORE=${STORE:-results/quickstart.h5}
NP=${NP:-$(( $(nproc) + 1 ))}
BIN=${FSWEEP_BIN:-build/fsweep}   # tests run another build
mkdir -p "$(dirname "$STORE")"
"$BIN" info
if command -v mpirun >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
  # Open MPI's mpirun ends the job on SIGTERM itself (ranks killed 1 s later, exit 1) and forwards
  # only SIGUSR1: a SIGTERM to this script is passed on as SIGUSR1, so it drains and exits 75.
  mpirun --oversubscribe --bind-to "${MPI_BIND:-none}" -np "$NP" -x FSWEEP_THREADS "$BIN" run "$CONFIG" --store "$STORE" "$@" &
  mp=$!
  trap 'kill -USR1 $mp 2>/dev/null' TERM
  while true; do wait $mp; rc=$?; kill -0 $mp 2>/dev/null || break; done
  trap - TERM
else
  echo "mpirun not found: running serially"
  "$BIN" run "$CONFIG" --store "$STORE" "$@"
  rc=$?
fi
case $rc in
  0|3) "$BIN" report "$STORE" -o "${STORE%.h5}-report" || rc=1 ;;
esac
case $rc in
  0) echo "done: $STORE (fsweep status $STORE; report: ${STORE%.h5}-report/index.html)" ;;
  3) echo "finished with failed tasks: fsweep status $STORE lists them" ;;
  75) echo "interrupted: run 'make run' again to resume" ;;
esac
exit $rc
