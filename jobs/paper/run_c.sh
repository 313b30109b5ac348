#!/bin/bash
# run_c.sh: experiment (c), PAPER.md 1 (shortcuts transfer OOD and across architectures), 8.
# Fashion-MNIST (28x28, 1 channel): ResNet-18 (width 1/4) and VGG-16 (width 1/4) trained on
# NTRAIN images for EPOCHS epochs (no augmentation: `fsweep train` has none). ResNet-18's DFMs
# by patch removal (p = 2, DFM_PC test images per class), then `fsweep shortcut`: TPR/FPR per
# class on the test set with DFM_c kept / removed, on corrupted test sets (Gaussian noise and
# contrast, severity 3), and VGG-16 evaluated with ResNet-18's DFMs (cross-architecture).
# Expected cost on 2 cores (one core used, machine shared): ~4 min per training, ~4-6 min for
# the DFM (112 masks x 300 images), ~1-2 min per shortcut run; ~20 min in all (measured: 6 min
# wall, 2.8 min CPU, on the shared machine).
source "$(dirname "$0")/common.sh"
EPOCHS=${EPOCHS:-4}
NTRAIN=${NTRAIN:-3000}
DFM_PC=${DFM_PC:-30}
SC_PC=${SC_PC:-50}
TR="fashion-mnist:train?n=$NTRAIN"
TE="fashion-mnist:test?per_class=$SC_PC"
for arch in resnet18 vgg16; do
    step "c_train_$arch" "$FS" train --data "$TR" --arch "$arch" --set width=0.25 \
        --set epochs="$EPOCHS" --out "$OUT/c_$arch.h5"
    step "c_eval_$arch" "$FS" eval "$OUT/c_$arch.h5" --data "fashion-mnist:test?per_class=100"
done
step c_dfm_resnet18 "$FS" dfm "$OUT/c_resnet18.h5" --data "fashion-mnist:test?per_class=$DFM_PC" \
    --patch 2 --top 1,5,10,20 --out "$OUT/c_dfm_resnet18.h5"
step c_shortcut_resnet18 "$FS" shortcut "$OUT/c_resnet18.h5" --dfm "$OUT/c_dfm_resnet18.h5" \
    --data "$TE" --ood "ood:gaussian_noise:3:$TE" --ood "ood:contrast:3:$TE" --top 5 \
    --out "$OUT/c_sc_resnet18.h5"
step c_shortcut_vgg16_xfer "$FS" shortcut "$OUT/c_vgg16.h5" --dfm "$OUT/c_dfm_resnet18.h5" \
    --data "$TE" --ood "ood:gaussian_noise:3:$TE" --top 5 --out "$OUT/c_sc_vgg16_xfer.h5"
