#!/bin/bash
# run_b.sh: experiment (b), PAPER.md 1 ("capacity and augmentation do not remove shortcuts"),
# 6 (ADCS), 7 (DFMs), 11 (per-architecture TPR/FPR) on Fashion-MNIST.
#  - ADCS of the Fashion-MNIST test set (a property of the data, not of a model);
#  - per architecture: ResNet-18 (width 1/4) and VGG-16 (width 1/4) from run_c.sh (run it first),
#    ResNet-50 (width 1/8) and ViT-tiny (width 1/4: dim 48, 3 heads, MLP 192, depth 12, 4-px
#    patches); DFMs by patch removal (p = 2, DFM_PC test images per class) and TPR/FPR.
#  - Augmentations: only "none" runs. `fsweep train` has no augmentation option and the sweep's
#    real runner accepts none/flip only (src/task_real.c), so the AutoAugment, AugMix and DFM-X
#    cells of the grid are in jobs/paper/b_arch_aug.ini, for when the runner supports them.
# Expected cost on 2 cores (one core, shared): ADCS ~10 s; ResNet-50 and ViT training ~5 min
# each; DFMs ~3-4 min per architecture (112 masks x DFM_PC*10 images); shortcut ~1 min each;
# ~25-30 min in all.
source "$(dirname "$0")/common.sh"
EPOCHS=${EPOCHS:-4}
NTRAIN=${NTRAIN:-3000}
DFM_PC=${DFM_PC:-30}
SC_PC=${SC_PC:-50}
TR="fashion-mnist:train?n=$NTRAIN"
TE="fashion-mnist:test?per_class=$SC_PC"
step b_adcs "$FS" adcs --data "fashion-mnist:test" --out "$OUT/b_adcs.h5"
step b_train_resnet50 "$FS" train --data "$TR" --arch resnet50 --set width=0.125 \
    --set epochs="$EPOCHS" --out "$OUT/c_resnet50.h5"
step b_train_vit_tiny "$FS" train --data "$TR" --arch vit_tiny --set width=0.25 \
    --set epochs="$EPOCHS" --out "$OUT/c_vit_tiny.h5"
for arch in resnet50 vit_tiny; do
    step "b_eval_$arch" "$FS" eval "$OUT/c_$arch.h5" --data "fashion-mnist:test?per_class=100"
done
for arch in resnet50 vgg16 vit_tiny; do
    step "b_dfm_$arch" "$FS" dfm "$OUT/c_$arch.h5" --data "fashion-mnist:test?per_class=$DFM_PC" \
        --patch 2 --top 1,5,10,20 --out "$OUT/c_dfm_$arch.h5"
    step "b_sc_$arch" "$FS" shortcut "$OUT/c_$arch.h5" --dfm "$OUT/c_dfm_$arch.h5" --data "$TE" \
        --top 5 --out "$OUT/b_sc_$arch.h5"
done
step b_compare /usr/bin/python3 "$ROOT/jobs/paper/compare_dfm.py" --top 0.05 \
    resnet18="$OUT/c_dfm_resnet18.h5" resnet50="$OUT/c_dfm_resnet50.h5" \
    vgg16="$OUT/c_dfm_vgg16.h5" vit_tiny="$OUT/c_dfm_vit_tiny.h5"
