#!/usr/bin/env bash
# One command: set up everything the tests need on this machine and run the whole suite
# (lint, unit, Qt widget and end-to-end tests), offscreen. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh --test
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check cnoatlas tests main.py tools
.venv/bin/python -m pytest "$@"
