#!/usr/bin/env bash
# Data whose values lie outside their documented range is refused with one line naming the file
# and the first bad index, exit 1: float32 NPY pixels that are not finite (NaN, inf; also with
# ?unclipped=1) or outside [0, 1] (accepted with ?unclipped=1, the band sets `fsweep ood`
# writes), and labels at or beyond the class count (NPY under cifar10c:, IDX under
# fashion-mnist:DIR:, CIFAR-10 batches).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py numpy
d=$tmp/d
mkdir -p "$d/c10c" "$d/fm" "$d/cifar"
$PY - "$d" <<'PY'
import gzip, sys
import numpy as np
d = sys.argv[1]
x = np.full((6, 4, 5, 3), 0.5, np.float32)
np.save(f"{d}/ok.npy", x)
np.save(f"{d}/y.npy", np.arange(6, dtype=np.int64) % 3)
for name, v in (("nan", np.nan), ("inf", np.inf), ("neg", -0.25), ("big", 1.5)):
    b = x.copy()
    b[4, 2, 3, 1] = v                  # image 4, row 2, column 3, channel 1
    b[5, 0, 0, 0] = v                  # a later one is not the first
    np.save(f"{d}/{name}.npy", b)
# cifar10c: 10 classes; label 10 at index 7
u = np.zeros((10, 4, 4, 3), np.uint8)
np.save(f"{d}/c10c/fog.npy", u)
lab = np.arange(10, dtype=np.int64) % 10
lab[7] = 10
np.save(f"{d}/c10c/labels.npy", lab)
# fashion-mnist IDX: 10 classes; label 12 at index 2
def idx(path, magic, arr):
    with gzip.open(path, "wb") as f:
        f.write(magic + b"".join(int(n).to_bytes(4, "big") for n in arr.shape) + arr.tobytes())
idx(f"{d}/fm/t10k-images-idx3-ubyte.gz", b"\0\0\x08\x03", np.zeros((4, 28, 28), np.uint8))
idx(f"{d}/fm/t10k-labels-idx1-ubyte.gz", b"\0\0\x08\x01", np.array([1, 2, 12, 3], np.uint8))
# CIFAR-10 test batch: records of label + 3072 bytes; label 11 in record 3
rec = np.zeros((5, 3073), np.uint8)
rec[:, 0] = [0, 1, 2, 11, 4]
rec.tofile(f"{d}/cifar/test_batch.bin")
PY
check $? "numpy writes the files"

# refused SPEC FILE WANT...: exit 1, one line naming FILE and containing every WANT
refused() {
  local spec=$1 file=$2
  shift 2
  $B/fsweep data --data "$spec" >"$tmp/out" 2>"$tmp/err"
  local rc=$? ok=0 w
  [ $rc = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -qF "$file" "$tmp/err" || ok=1
  for w in "$@"; do grep -qF "$w" "$tmp/err" || ok=1; done
  check $ok "$(basename "$file"): refused (rc $rc): $(cat "$tmp/err")"
}
$B/fsweep data --data "npy:$d/ok.npy:$d/y.npy" >"$tmp/out" 2>&1; check $? "float32 pixels in [0, 1] load"
for name in nan inf neg big; do
  refused "npy:$d/$name.npy:$d/y.npy" "$d/$name.npy" "image 4, pixel (row 2, column 3, channel 1)" "expected a finite float32"
done
$B/fsweep data --data "npy:$d/big.npy:$d/y.npy?unclipped=1" >"$tmp/out" 2>&1; check $? "unclipped=1 accepts finite floats outside [0, 1]"
refused "npy:$d/nan.npy:$d/y.npy?unclipped=1" "$d/nan.npy" "image 4, pixel (row 2, column 3, channel 1)" "is nan"
refused "cifar10c:$d/c10c:fog:1" "$d/c10c/labels.npy" "label 7" "is 10, out of range [0, 10)"
refused "fashion-mnist:$d/fm:test" "t10k-labels-idx1-ubyte" "(label 2): value 12 out of range"
refused "cifar10:$d/cifar:test" "test_batch.bin" "record 3" "label 11 out of range"
finish
