#!/usr/bin/env bash
# The README's default run (make run): the quickstart sweep on this machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
build/fsweep info
