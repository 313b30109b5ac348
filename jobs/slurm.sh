#!/usr/bin/env bash
# Slurm job script for an fsweep sweep. Submit:  sbatch jobs/slurm.sh jobs/my.ini results/my.h5
# One MPI rank per task slot: rank 0 schedules and writes the store, the others run tasks with
# FSWEEP_THREADS engine threads each. Slurm sends SIGUSR1 5 minutes before the walltime; fsweep
# then drains (no new tasks; running ones stop at their next check), closes the store and exits
# with 75, and this script requeues the job, which resumes where it stopped.
#SBATCH --job-name=fsweep
#SBATCH --ntasks=33
#SBATCH --cpus-per-task=2
#SBATCH --time=12:00:00
#SBATCH --signal=B:USR1@300
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --output=results/slurm-%x-%j.out
set -uo pipefail
CONFIG=${1:-jobs/quickstart.ini}
STORE=${2:-results/$(basename "${CONFIG%.ini}").h5}
shift 2 2>/dev/null || true
export FSWEEP_THREADS=${SLURM_CPUS_PER_TASK:-1}
cd "${SLURM_SUBMIT_DIR:-.}"
# The batch shell receives USR1 (B:); pass it on to the job step, whose ranks drain.
srun --kill-on-bad-exit=1 build/fsweep run "$CONFIG" --store "$STORE" "$@" &
step=$!
# scancel sends SIGTERM to the job step's tasks (every rank drains, srun exits 75, the highest
# task status) and to this script, which then does not requeue: a cancelled job stays cancelled.
cancelled=0
trap 'echo "walltime near: draining"; kill -USR1 $step 2>/dev/null' USR1
trap 'cancelled=1; kill -TERM $step 2>/dev/null' TERM
while true; do wait $step; rc=$?; kill -0 $step 2>/dev/null || break; done
echo "fsweep exit $rc"
# 75 = interrupted (signal or a lost rank): the store is consistent; requeue to resume.
# >128 = killed by a signal (e.g. a node failure): the store is still resumable.
if [ $cancelled = 0 ] && { [ $rc = 75 ] || [ $rc -gt 128 ]; }; then
  scontrol requeue "$SLURM_JOB_ID"
fi
exit $rc
