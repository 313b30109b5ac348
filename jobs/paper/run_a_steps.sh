#!/bin/bash
# run_a_steps.sh: experiment (a), step-resolved learning order (PAPER.md 5.3): the standalone
# `fsweep train` has no checkpoint hook, so each checkpoint is a separate training run stopped
# at max_steps=S (same seed, data and order, hence the same trajectory prefix; the plateau
# schedule only acts at epoch ends), evaluated with `fsweep eval --logits`; auc.py computes
# per-class accuracy and the one-vs-rest AUC of the margin z_c - max_{j!=c} z_j per checkpoint.
# Expected cost on 2 cores (one core, shared): sum of STEPS (= 150) steps x 64 images at
# ~80-150 img/s, ~1.5-2.5 min per (dataset, arch); ~4-5 min for b1, b4 x resnet18.
source "$(dirname "$0")/common.sh"
SYN_SETS=${SYN_SETS:-"b1 b4"}
ARCHS=${ARCHS:-"resnet18"}
STEPS=${STEPS:-"10 20 40 80"}
NTRAIN=${NTRAIN:-1600}
NTEST=${NTEST:-400}
for b in $SYN_SETS; do
    for arch in $ARCHS; do
        files=""
        for s in $STEPS; do
            m="$OUT/as_${b}_${arch}_s$s.h5"
            step "as_train_${b}_${arch}_s$s" "$FS" train --data "syn:$b:train?n=$NTRAIN" \
                --arch "$arch" --set width=0.25 --set epochs=8 --set max_steps="$s" --out "$m"
            step "as_eval_${b}_${arch}_s$s" "$FS" eval "$m" --data "syn:$b:test?n=$NTEST" \
                --logits "$OUT/as_${b}_${arch}_s$s.logits.h5"
            files="$files $s=$OUT/as_${b}_${arch}_s$s.logits.h5"
        done
        step "as_auc_${b}_${arch}" /usr/bin/python3 "$ROOT/jobs/paper/auc.py" $files
    done
done
