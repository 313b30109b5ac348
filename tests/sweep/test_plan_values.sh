#!/usr/bin/env bash
# `fsweep plan` (and `fsweep run`) of a runner = real sweep checks the parts inside axis values
# before any task runs: one bad value per category (architecture name, width, augmentation step,
# augmentation argument, training band filter, test band, OOD name, OOD severity, FGSM epsilon), each
# refused with exit 1 and one line naming the file, the line, the key and the value; `run` creates no store.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# write_ini LINE5 LINE6: a real sweep whose lines 5 and 6 are given
write_ini() {
  printf '[sweep]\nrunner = real\n[axes]\ndatasets = Syn_B1\n%s\n%s\n' "$1" "$2" >"$tmp/c.ini"
}
write_ini "archs = cnn:0.25, resnet18:0.125" "augs = none, pad:4+crop+flip, paper"
printf 'bands = all, lowpass:r=8\ntest_bands = all, bandstop:1+2, bandpass:3\nood = gaussian_noise:3, fog:2, glass_blur:1, zoom_blur:5, snow:3, frost:4, elastic_transform:2, fgsm:0.1, fgsm:2e-2\n' >>"$tmp/c.ini"
$B/fsweep plan "$tmp/c.ini" >"$tmp/out" 2>&1; check $? "a valid real config plans: $(grep -m1 tasks "$tmp/out")"

# bad KEY LINE VALUE WANT: LINE (line 6 of the config) sets KEY; VALUE is its bad value, WANT in the error
bad() {
  local key=$1 line=$2 value=$3 want=$4
  write_ini "archs = cnn:0.25" "$line"
  $B/fsweep plan "$tmp/c.ini" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  [ $rc = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -qF "c.ini:6: key '$key'" "$tmp/err" &&
    grep -qF "value '$value'" "$tmp/err" && grep -qF "$want" "$tmp/err"
  check $? "plan refuses $key value '$value' (rc $rc): $(cat "$tmp/err")"
}
bad augs "augs = none, pad:4+crop+flop" "pad:4+crop+flop" "augmentation 'flop': unknown step"
bad augs "augs = pad:x" "pad:x" "'x' is not a number"
bad bands "bands = all, lowpass:r=abc" "lowpass:r=abc" "'abc' is not a number"
bad test_bands "test_bands = all, bandstop:1+9" "bandstop:1+9" "'9' is not an integer in [1, 4]"
bad ood "ood = gaussian_noise:3, gaussian_nois:3" "gaussian_nois:3" "unknown corruption"
bad ood "ood = fog:6" "fog:6" "'6' is not an integer in [1, 5]"
bad ood "ood = spatter:3" "spatter:3" "unknown corruption"
bad ood "ood = snow:0" "snow:0" "'0' is not an integer in [1, 5]"
bad ood "ood = elastic_transform:6" "elastic_transform:6" "'6' is not an integer in [1, 5]"
bad ood "ood = fgsm:0.1, fgsm:0" "fgsm:0" "epsilon '0' is not a finite number > 0"
bad ood "ood = fgsm:-0.5" "fgsm:-0.5" "epsilon '-0.5' is not a finite number > 0"
bad ood "ood = fgsm:nan" "fgsm:nan" "epsilon 'nan' is not a finite number > 0"
bad ood "ood = fgsm:inf" "fgsm:inf" "epsilon 'inf' is not a finite number > 0"
bad ood "ood = fgsm" "fgsm" "epsilon '' is not a finite number > 0"
bad test_bands "test_bands = all, fgsm:0.1" "fgsm:0.1" "FGSM needs a model"
# the arch line is line 5: put the bad one on line 6 by swapping
printf '[sweep]\nrunner = real\n[axes]\ndatasets = Syn_B1\naugs = none\narchs = cnn:0.25, cnn:abc\n' >"$tmp/c.ini"
$B/fsweep plan "$tmp/c.ini" 2>"$tmp/err" >/dev/null; rc=$?
[ $rc = 1 ] && grep -qF "c.ini:6: key 'archs' (axes.archs) value 'cnn:abc': width 'abc' of cnn: expected a number" "$tmp/err"
check $? "plan refuses a width (rc $rc): $(cat "$tmp/err")"
sed -i 's/cnn:abc/resnet_s/' "$tmp/c.ini"
$B/fsweep plan "$tmp/c.ini" 2>"$tmp/err" >/dev/null; rc=$?
[ $rc = 1 ] && grep -qF "value 'resnet_s': architecture 'resnet_s' unknown: expected NAME[:WIDTH] with NAME one of resnet18" "$tmp/err"
check $? "plan refuses an architecture name (rc $rc): $(cat "$tmp/err")"
$B/fsweep run "$tmp/c.ini" --store "$tmp/s.h5" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && [ ! -e "$tmp/s.h5" ] && grep -qF "value 'resnet_s'" "$tmp/err"; check $? "run refuses it before creating the store (rc $rc)"
$B/fsweep plan "$tmp/c.ini" archs=vgg11:0.5 >/dev/null 2>&1; check $? "an override replacing the bad value plans"
# the fake runner takes any label
sed -i 's/runner = real/runner = fake/' "$tmp/c.ini"
$B/fsweep plan "$tmp/c.ini" >/dev/null 2>&1; check $? "runner = fake takes any axis label"
# optimizer: sgd or adamw (the engine has both), anything else stops at plan with one line
write_ini "archs = cnn:0.25" "augs = none"
printf '[train]\noptimizer = adamw\n' >>"$tmp/c.ini"
$B/fsweep plan "$tmp/c.ini" >"$tmp/out" 2>"$tmp/err"
check $? "plan takes optimizer = adamw for the real runner: $(head -c 200 "$tmp/err")"
sed -i 's/^optimizer = adamw/optimizer = adam/' "$tmp/c.ini"
$B/fsweep plan "$tmp/c.ini" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -qF "c.ini:8: key 'optimizer' (train.optimizer) = 'adam': expected sgd or adamw" "$tmp/err"
check $? "plan refuses optimizer = adam (rc $rc): $(cat "$tmp/err")"
finish
