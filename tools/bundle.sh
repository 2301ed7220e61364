#!/usr/bin/env bash
# Builds a one-folder bundle of CNO Atlas with PyInstaller: dist/bundle/cnoatlas/ runs with no
# Python on the machine (copy the folder anywhere; start cnoatlas/cnoatlas). Then checks it from
# another folder: `cnoatlas screenshot --view home` with a clean environment, and reports the
# bundle's size and start time. The spec (tools/cnoatlas.spec) also builds on Windows and macOS.
# No AppImage: Debian's registries have no appimagetool, and it is not fetched from elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
.venv/bin/python -m pip install -q "pyinstaller>=6.10"
rm -rf build/pyinstaller dist/bundle
nice .venv/bin/pyinstaller --noconfirm --log-level WARN \
  --distpath dist/bundle --workpath build/pyinstaller tools/cnoatlas.spec
bundle="$PWD/dist/bundle/cnoatlas"
cp assets/desktop/cnoatlas.desktop "$bundle/"
sed -i "s|^Exec=cnoatlas|Exec=$bundle/cnoatlas|; s|^Icon=cnoatlas|Icon=$bundle/_internal/cnoatlas/_data/assets/icons/cnoatlas.svg|" \
  "$bundle/cnoatlas.desktop"

# The check: another folder, no Python on PATH, no venv, a private home.
check="$(mktemp -d)"
trap 'rm -rf "$check"' EXIT
start=$(date +%s.%N)
(cd "$check" && env -i HOME="$check" PATH=/usr/bin:/bin LANG=C.UTF-8 CNOATLAS_HOME="$check/home" \
   "$bundle/cnoatlas" --version >/dev/null)
first=$(date +%s.%N)
(cd "$check" && env -i HOME="$check" PATH=/usr/bin:/bin LANG=C.UTF-8 CNOATLAS_HOME="$check/home" \
   "$bundle/cnoatlas" screenshot --view home --out "$check/home.png")
done=$(date +%s.%N)
test -s "$check/home.png"
(cd "$check" && env -i HOME="$check" PATH=/usr/bin:/bin LANG=C.UTF-8 CNOATLAS_HOME="$check/home" \
   "$bundle/cnoatlas" screenshot --view home --out "$check/again.png" >/dev/null)
again=$(date +%s.%N)
size=$(du -sm "$bundle" | cut -f1)
printf 'bundle: %s (%s MB, %s files)\n' "$bundle" "$size" "$(find "$bundle" -type f | wc -l)"
awk -v a="$start" -v b="$first" -v c="$done" -v d="$again" 'BEGIN {
  printf "start (--version, first run): %.1f s; screenshot --view home: %.1f s, again %.1f s\n",
         b - a, c - b, d - c }'
