#!/usr/bin/env bash
# The README's default run (make run): the quickstart sweep on this machine, under mpirun with
# one worker rank per core plus the master (which only schedules and writes, and naps while it
# waits) when mpirun exists, else serially. Results: results/quickstart.h5, and the report
# results/quickstart-report/index.html.
# Running it again resumes (finished tasks are skipped). Extra arguments go to `fsweep run`
# (e.g. `bash jobs/local.sh seeds=0,1`). NP=4 bash jobs/local.sh uses 4 ranks (3 workers).
set -uo pipefail
cd "$(dirname "$0")/.."
export FSWEEP_THREADS=${FSWEEP_THREADS:-1}   # engine threads per rank (ranks bring the parallelism)
CONFIG=${CONFIG:-jobs/quickstart.ini}
STORE=${STORE:-results/quickstart.h5}
NP=${NP:-$(( $(nproc) + 1 ))}
mkdir -p "$(dirname "$STORE")"
build/fsweep info
if command -v mpirun >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
  mpirun --oversubscribe -np "$NP" -x FSWEEP_THREADS build/fsweep run "$CONFIG" --store "$STORE" "$@"
else
  echo "mpirun not found: running serially"
  build/fsweep run "$CONFIG" --store "$STORE" "$@"
fi
rc=$?
case $rc in
  0|3) build/fsweep report "$STORE" -o "${STORE%.h5}-report" || rc=1 ;;
esac
case $rc in
  0) echo "done: $STORE (fsweep status $STORE; report: ${STORE%.h5}-report/index.html)" ;;
  3) echo "finished with failed tasks: fsweep status $STORE lists them" ;;
  75) echo "interrupted: run 'make run' again to resume" ;;
esac
exit $rc
