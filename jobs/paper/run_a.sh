#!/bin/bash
# run_a.sh: experiment (a), PAPER.md 1 (learning order), 3.2 (prototype evidence), 3.3, 5.
# Syn_B1 and Syn_B4 (SYN_SETS to change), ResNet-18 and AlexNet at width 1/4.
#  1. the sweep jobs/paper/a_learning_order.ini (runner real): per-class test accuracy after
#     every epoch -> learning order; `fsweep report` draws the curves.
#  2. standalone: `fsweep train` of the same models (seed 1, same data and epochs), then
#     `fsweep eval` on the test set, the 6 band-stop sets and the 4 band-pass sets
#     (ood:bandstop:K,L / ood:bandpass:K, filtered after normalisation, DC kept: PAPER.md 3.3).
# Expected cost on 2 cores (one core used, machine shared): ~10 min for step 1 (measured 8.3),
# ~10 min for step 2 (8 epochs x 1,440 images at ~80-150 img/s per model, 4 models; measured 6).
source "$(dirname "$0")/common.sh"
SYN_SETS=${SYN_SETS:-"b1 b4"}
ARCHS=${ARCHS:-"resnet18 alexnet"}
EPOCHS=${EPOCHS:-8}
NTRAIN=${NTRAIN:-1600}
NTEST=${NTEST:-400}
step a_sweep "$FS" run "$ROOT/jobs/paper/a_learning_order.ini" --store "$OUT/a.h5" --quiet
step a_report "$FS" report "$OUT/a.h5" -o "$OUT/a_report"
for b in $SYN_SETS; do
    for arch in $ARCHS; do
        m="$OUT/a_${b}_${arch}.h5"
        step "a_train_${b}_${arch}" "$FS" train --data "syn:$b:train?n=$NTRAIN" --arch "$arch" \
            --set width=0.25 --set epochs="$EPOCHS" --out "$m"
        step "a_eval_${b}_${arch}_all" "$FS" eval "$m" --data "syn:$b:test?n=$NTEST"
        for kl in 1,2 1,3 1,4 2,3 2,4 3,4; do
            step "a_eval_${b}_${arch}_bs${kl/,/}" "$FS" eval "$m" \
                --data "ood:bandstop:$kl:syn:$b:test?n=$NTEST"
        done
        for k in 1 2 3 4; do
            step "a_eval_${b}_${arch}_bp$k" "$FS" eval "$m" --data "ood:bandpass:$k:syn:$b:test?n=$NTEST"
        done
    done
done
