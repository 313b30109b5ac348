#!/bin/bash
# run_b.sh: experiment (b), PAPER.md 1 ("capacity and augmentation do not remove shortcuts"),
# 6 (ADCS), 7 (DFMs), 11 (per-model TPR/FPR) on Fashion-MNIST (28x28, 1 channel).
#  1. the sweep jobs/paper/b_small.ini (runner real): ResNet-18 and VGG-16 (width 1/4) x
#     {none, AutoAugment, AugMix}: ADCS, DFMs (patch removal, p = 2), TPR/FPR; `fsweep report`.
#     The full grid (with ResNet-50 at width 1/8 and ViT-tiny) is jobs/paper/b_arch_aug.ini:
#     B_CONFIG=jobs/paper/b_arch_aug.ini runs it instead (~1.6 h on one core).
#  2. with B_EXTRA=1, standalone ResNet-50 (width 1/8) and ViT-tiny (width 1/4) without
#     augmentation: training, DFMs (p = 2, DFM_PC test images per class), TPR/FPR (~25 min).
# DFM-X is not run: the runner does not hand DFMs to the dfmx augmentation, and `fsweep train`
# has no augmentation option.
# Expected cost on 2 cores (one core, shared): step 1 ~25 min; step 2 ~25 min (measured: 8.3 and
# 5.8 min wall, 5.4 and 4.5 min CPU).
source "$(dirname "$0")/common.sh"
B_CONFIG=${B_CONFIG:-$ROOT/jobs/paper/b_small.ini}
step b_sweep "$FS" run "$B_CONFIG" --store "$OUT/b.h5" --quiet
step b_report "$FS" report "$OUT/b.h5" -o "$OUT/b_report"
[ "${B_EXTRA:-0}" = 1 ] || exit 0
EPOCHS=${EPOCHS:-4}
NTRAIN=${NTRAIN:-3000}
DFM_PC=${DFM_PC:-30}
SC_PC=${SC_PC:-50}
TR="fashion-mnist:train?n=$NTRAIN"
TE="fashion-mnist:test?per_class=$SC_PC"
step b_train_resnet50 "$FS" train --data "$TR" --arch resnet50 --set width=0.125 \
    --set epochs="$EPOCHS" --out "$OUT/c_resnet50.h5"
step b_train_vit_tiny "$FS" train --data "$TR" --arch vit_tiny --set width=0.25 \
    --set epochs="$EPOCHS" --out "$OUT/c_vit_tiny.h5"
for arch in resnet50 vit_tiny; do
    step "b_eval_$arch" "$FS" eval "$OUT/c_$arch.h5" --data "fashion-mnist:test?per_class=100"
    step "b_dfm_$arch" "$FS" dfm "$OUT/c_$arch.h5" --data "fashion-mnist:test?per_class=$DFM_PC" \
        --patch 2 --top 1,5,10,20 --out "$OUT/c_dfm_$arch.h5"
    step "b_sc_$arch" "$FS" shortcut "$OUT/c_$arch.h5" --dfm "$OUT/c_dfm_$arch.h5" --data "$TE" \
        --top 5 --out "$OUT/b_sc_$arch.h5"
done
step b_compare_archs /usr/bin/python3 "$ROOT/jobs/paper/compare_dfm.py" --top 0.05 \
    resnet18="$OUT/c_dfm_resnet18.h5" resnet50="$OUT/c_dfm_resnet50.h5" vit_tiny="$OUT/c_dfm_vit_tiny.h5"
