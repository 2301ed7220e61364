#!/usr/bin/env bash
# One command: set up CNO Atlas on this machine and open it.
# With no display (a server, a container) it runs under a virtual X screen (Xvfb); to get pictures
# there, use `.venv/bin/cnoatlas screenshot --view home --out home.png` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}${QT_QPA_PLATFORM:-}" ]; then
  echo "No display found: starting CNO Atlas on a virtual screen (xvfb-run). Ctrl+C to stop."
  exec xvfb-run -a .venv/bin/cnoatlas "$@"
fi
exec .venv/bin/cnoatlas "$@"
