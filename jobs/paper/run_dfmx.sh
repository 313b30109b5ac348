#!/bin/bash
# run_dfmx.sh: DFM-X (PAPER.md 10, ICCVW 2023): does training with other classes' DFMs improve
# robustness to corruptions? ResNet-18 (width 1/4) on NTRAIN Fashion-MNIST images for EPOCHS
# epochs, once with DFM-X (p = 0.3, DC kept, the top-5 % DFMs of run_c.sh's baseline ResNet-18,
# a model of the same recipe) and compared with run_c.sh's baseline on the clean test set and on
# 8 corruptions at severity 3. Needs run_c.sh first (its model and DFM file).
# Expected cost on 2 cores (one core used, machine shared): ~4 min training, ~1 min evaluation.
source "$(dirname "$0")/common.sh"
EPOCHS=${EPOCHS:-4}
NTRAIN=${NTRAIN:-3000}
TE="fashion-mnist:test?per_class=100"
[ -f "$OUT/c_resnet18.h5" ] && [ -f "$OUT/c_dfm_resnet18.h5" ] || { echo "run jobs/paper/run_c.sh first"; exit 1; }
step x_train_dfmx "$FS" train --data "fashion-mnist:train?n=$NTRAIN" --arch resnet18 --set width=0.25 \
    --set epochs="$EPOCHS" --aug 'dfmx:p=0.3' --dfmx "$OUT/c_dfm_resnet18.h5:0.05" --out "$OUT/x_resnet18_dfmx.h5"
for m in c_resnet18 x_resnet18_dfmx; do
    step "x_eval_${m}_clean" "$FS" eval "$OUT/$m.h5" --data "$TE"
    for c in gaussian_noise shot_noise impulse_noise defocus_blur motion_blur contrast fog jpeg_compression pixelate; do
        step "x_eval_${m}_$c" "$FS" eval "$OUT/$m.h5" --data "ood:$c:3:$TE"
    done
done
printf 'set\tbaseline\tdfmx\n' > "$OUT/x_dfmx.tsv"
for c in clean gaussian_noise shot_noise impulse_noise defocus_blur motion_blur contrast fog jpeg_compression pixelate; do
    a=$(grep -m1 '^accuracy' "$OUT/x_eval_c_resnet18_$c.log" | awk '{print $2}')
    b=$(grep -m1 '^accuracy' "$OUT/x_eval_x_resnet18_dfmx_$c.log" | awk '{print $2}')
    printf '%s\t%s\t%s\n' "$c" "$a" "$b" >> "$OUT/x_dfmx.tsv"
done
cat "$OUT/x_dfmx.tsv"
