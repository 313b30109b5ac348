#!/bin/bash
# run_all.sh: every experiment in priority order (a, a_steps, c, d, b), then collect.sh.
# Measured on the shared 2-core machine: 45 min wall, 0.43 core-hours (B_EXTRA=1 included).
d=$(dirname "$0")
export B_EXTRA=${B_EXTRA:-1}
for x in a a_steps c d b; do "$d/run_$x.sh"; done
"$d/collect.sh"
