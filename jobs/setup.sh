#!/usr/bin/env bash
# Install what fsweep needs from Debian's archive.
#   jobs/setup.sh          install missing packages (root), or print the apt-get line (non-root)
#   jobs/setup.sh --check  exit 0 when everything is present, 1 otherwise (prints what is missing)
#   jobs/setup.sh --auto   like the default, but quiet when everything is present (used by make)
set -u
PKGS=(build-essential pkg-config git openmpi-bin libopenmpi-dev libfftw3-dev libfftw3-mpi-dev
      libhdf5-dev libopenblas-dev zlib1g-dev libpng-dev libjpeg-dev libiniparser-dev
      libcairo2-dev fonts-dejavu-core
      dataset-fashion-mnist python3 python3-numpy python3-h5py python3-pandas python3-xarray
      python3-h5netcdf iproute2 procps time)
mode=${1:-install}
missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
  [[ "$st" == *"install ok installed"* ]] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  [ "$mode" = "--auto" ] || echo "[fsweep] all dependencies are installed"
  exit 0
fi
line="apt-get install -y ${missing[*]}"
if [ "$mode" = "--check" ]; then
  echo "[fsweep] missing packages: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "[fsweep] missing packages; run as root:  $line" >&2
  exit 1
fi
echo "[fsweep] installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2 || { echo "[fsweep] apt-get update failed" >&2; exit 1; }
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || { echo "[fsweep] failed: $line" >&2; exit 1; }
echo "[fsweep] dependencies installed" >&2
