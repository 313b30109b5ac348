#!/usr/bin/env bash
# PBS Pro / Torque job script for an fsweep sweep. Submit:
#   qsub -v CONFIG=jobs/my.ini,STORE=results/my.h5 jobs/pbs.sh
# Rank 0 schedules and writes the store; the other ranks run tasks with FSWEEP_THREADS
# threads each. PBS has no --signal: a timer sends SIGUSR1 to mpirun DRAIN_BEFORE seconds
# before the walltime; fsweep drains and exits 75, and the job resubmits itself to resume.
#PBS -N fsweep
#PBS -l select=2:ncpus=32:mpiprocs=16
#PBS -l walltime=12:00:00
#PBS -j oe
set -uo pipefail
cd "${PBS_O_WORKDIR:-.}"
CONFIG=${CONFIG:-jobs/quickstart.ini}
STORE=${STORE:-results/$(basename "${CONFIG%.ini}").h5}
export FSWEEP_THREADS=${THREADS:-2}
DRAIN_BEFORE=${DRAIN_BEFORE:-300}
NP=$(wc -l < "${PBS_NODEFILE:-/dev/null}"); [ "$NP" -gt 0 ] || NP=2
walltime=$(qstat -f "${PBS_JOBID:-x}" 2>/dev/null | sed -n 's/.*Resource_List.walltime = //p')
secs=$(echo "${walltime:-12:00:00}" | awk -F: '{print $1*3600+$2*60+$3}')
mpirun -np "$NP" -x FSWEEP_THREADS build/fsweep run "$CONFIG" --store "$STORE" &
mp=$!
( sleep $((secs - DRAIN_BEFORE)); kill -USR1 $mp 2>/dev/null ) &
timer=$!
# mpirun ends the job on SIGTERM itself (exit 1) and forwards only SIGUSR1: a SIGTERM that reaches
# this script alone is passed on as SIGUSR1 (drain, 75), and a cancelled job is not resubmitted.
cancelled=0
trap 'cancelled=1; kill -USR1 $mp 2>/dev/null' TERM
while true; do wait $mp; rc=$?; kill -0 $mp 2>/dev/null || break; done
kill $timer 2>/dev/null
echo "fsweep exit $rc"
if [ $cancelled = 0 ] && { [ $rc = 75 ] || [ $rc -gt 128 ]; }; then
  qsub -v "CONFIG=$CONFIG,STORE=$STORE,THREADS=$FSWEEP_THREADS" "$0"
fi
exit $rc
