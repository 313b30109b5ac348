#!/bin/bash
# run_a_steps.sh: experiment (a), step-resolved learning order (PAPER.md 5.3): the standalone
# `fsweep train` has no checkpoint hook, so each checkpoint is a separate training run stopped
# at max_steps=S (same seed, data and order, hence the same trajectory prefix; the plateau
# schedule only acts at epoch ends), evaluated with `fsweep eval --logits`; auc.py computes
# per-class accuracy and the one-vs-rest AUC of the margin z_c - max_{j!=c} z_j per checkpoint.
# Checkpoints whose logits exist already are not recomputed.
# Expected cost on 2 cores (one core, shared): sum of STEPS (= 225) steps x 64 images at
# ~90-150 img/s (ResNet-18; AlexNet ~5x faster), ~2.5-3.5 min per dataset for ResNet-18,
# <1 min for AlexNet; ~8 min for b1, b4 x {resnet18, alexnet}.
source "$(dirname "$0")/common.sh"
SYN_SETS=${SYN_SETS:-"b1 b4"}
ARCHS=${ARCHS:-"resnet18 alexnet"}
STEPS=${STEPS:-"5 10 15 20 25 30 40 80"}
NTRAIN=${NTRAIN:-1600}
NTEST=${NTEST:-400}
SEED=${SEED:-1}                      # training seed; file names get _seedN when SEED != 1
sfx=""; [ "$SEED" = 1 ] || sfx="_seed$SEED"
for b in $SYN_SETS; do
    for arch in $ARCHS; do
        files=""
        for s in $STEPS; do
            m="$OUT/as_${b}_${arch}${sfx}_s$s.h5"
            files="$files $s=$OUT/as_${b}_${arch}${sfx}_s$s.logits.h5"
            [ -f "$OUT/as_${b}_${arch}${sfx}_s$s.logits.h5" ] && continue
            step "as_train_${b}_${arch}${sfx}_s$s" "$FS" train --data "syn:$b:train?n=$NTRAIN" \
                --arch "$arch" --set width=0.25 --set epochs=8 --set max_steps="$s" --set seed="$SEED" --out "$m"
            step "as_eval_${b}_${arch}${sfx}_s$s" "$FS" eval "$m" --data "syn:$b:test?n=$NTEST" \
                --logits "$OUT/as_${b}_${arch}${sfx}_s$s.logits.h5"
        done
        step "as_auc_${b}_${arch}${sfx}" /usr/bin/python3 "$ROOT/jobs/paper/auc.py" $files
    done
done
