#!/usr/bin/env bash
# Prepares a fresh Debian 12 (or any Debian/Ubuntu) machine for CNO Atlas:
# the system libraries Qt needs, then a virtual environment in .venv with the atlas installed.
#   bash tools/setup.sh          the app
#   bash tools/setup.sh --test   the app and everything the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

# Qt offscreen needs the first six; a real window on X needs the xcb ones (measured on a bare
# Debian 12, see README "System libraries"). xvfb gives a virtual screen on a machine without one;
# dicom3tools checks the DICOM the image generator writes.
packages=(libgl1 libegl1 libfontconfig1 libglib2.0-0 libdbus-1-3 libxkbcommon0
          libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
          libxcb-shape0 libxkbcommon-x11-0 xvfb xauth)
# The tests also run a real Orthanc with its DICOMweb plugin on 127.0.0.1 (the department library).
[ "$with_tests" = 1 ] && packages+=(dicom3tools orthanc orthanc-dicomweb openssl)
python3 -m venv --help >/dev/null 2>&1 && python3 -c "import ensurepip" 2>/dev/null || packages+=(python3-venv)

missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "$with_tests" = 1 ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
else
  .venv/bin/python -m pip install -q -e .
fi
echo "CNO Atlas $(.venv/bin/cnoatlas --version | cut -d' ' -f2) is installed in .venv"
