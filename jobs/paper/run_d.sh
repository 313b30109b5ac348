#!/bin/bash
# run_d.sh: experiment (d), PAPER.md 7 and 9: HFSS against patch removal, and the screening
# method (beyond the paper) against both, on run_c.sh's Fashion-MNIST ResNet-18 (run it first:
# this script reuses $OUT/c_resnet18.h5, its removal DFMs $OUT/c_dfm_resnet18.h5 and their
# timing in $OUT/cost.tsv).
#  - screen: gradient screen, same test images and patch as the removal run (p = 2);
#  - HFSS: blocks 7, 2, 1 (28x28), small budgets HFSS_BUDGETS (the paper's CIFAR CF-1 is
#    1000,2000,4000,8000), on HFSS_SUBSET training images (D_a, class-stratified);
#  - TPR/FPR of each method's DFMs on the same test images (PAPER.md 9 Table 2 analogue);
#  - jobs/paper/compare_dfm.py: IoU of the top-5% maps between methods, and kept fractions.
#  - HFSS with --reflect (the reference's point reflection) beside the default conjugate copy;
#    both keep about keep^3 = 22 % of the spectrum, like the removal DFMs at top 20 % (D_EXTRA=0
#    skips these).
# Expected cost on 2 cores (one core, shared): screen ~0.5-1 min, HFSS ~1-2 min, shortcut runs
# ~15-20 s each; ~6 min in all (measured: 5 min wall, 2.5 min CPU).
source "$(dirname "$0")/common.sh"
D_EXTRA=${D_EXTRA:-1}
DFM_PC=${DFM_PC:-30}
SC_PC=${SC_PC:-50}
HFSS_BUDGETS=${HFSS_BUDGETS:-30,60,120}
HFSS_SUBSET=${HFSS_SUBSET:-200}
TE="fashion-mnist:test?per_class=$SC_PC"
M="$OUT/c_resnet18.h5"
step d_screen "$FS" dfm "$M" --data "fashion-mnist:test?per_class=$DFM_PC" --patch 2 \
    --method screen --screen grad --top 1,5,10,20 --out "$OUT/d_dfm_screen.h5"
step d_hfss "$FS" dfm "$M" --data "fashion-mnist:train" --subset "$HFSS_SUBSET" --method hfss \
    --blocks 7,2,1 --budgets "$HFSS_BUDGETS" --out "$OUT/d_dfm_hfss.h5"
step d_sc_removal "$FS" shortcut "$M" --dfm "$OUT/c_dfm_resnet18.h5" --data "$TE" --top 5 \
    --out "$OUT/d_sc_removal.h5"
step d_sc_screen "$FS" shortcut "$M" --dfm "$OUT/d_dfm_screen.h5" --data "$TE" --top 5 \
    --out "$OUT/d_sc_screen.h5"
step d_sc_hfss "$FS" shortcut "$M" --dfm "$OUT/d_dfm_hfss.h5" --data "$TE" \
    --out "$OUT/d_sc_hfss.h5"
step d_compare /usr/bin/python3 "$ROOT/jobs/paper/compare_dfm.py" --top 0.05 \
    removal="$OUT/c_dfm_resnet18.h5" screen="$OUT/d_dfm_screen.h5" hfss="$OUT/d_dfm_hfss.h5"
[ "$D_EXTRA" = 1 ] || exit 0
step d_hfss_reflect "$FS" dfm "$M" --data "fashion-mnist:train" --subset "$HFSS_SUBSET" --method hfss \
    --blocks 7,2,1 --budgets "$HFSS_BUDGETS" --reflect --out "$OUT/d_dfm_hfss_reflect.h5"
step d_sc_hfss_reflect "$FS" shortcut "$M" --dfm "$OUT/d_dfm_hfss_reflect.h5" --data "$TE" \
    --out "$OUT/d_sc_hfss_reflect.h5"
step d_sc_removal20 "$FS" shortcut "$M" --dfm "$OUT/c_dfm_resnet18.h5" --data "$TE" --top 20 \
    --out "$OUT/d_sc_removal20.h5"
step d_compare20 /usr/bin/python3 "$ROOT/jobs/paper/compare_dfm.py" --top 0.20 \
    removal="$OUT/c_dfm_resnet18.h5" screen="$OUT/d_dfm_screen.h5" hfss="$OUT/d_dfm_hfss.h5" \
    hfss_reflect="$OUT/d_dfm_hfss_reflect.h5"
