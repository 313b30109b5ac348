#!/bin/bash
# run_all.sh: every experiment in priority order (a, c, d, b); ~70-80 min on 2 shared cores.
d=$(dirname "$0")
for x in a c d b; do "$d/run_$x.sh"; done
