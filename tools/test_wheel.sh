#!/usr/bin/env bash
# The wheel is the whole product: build it, install it into a fresh virtual environment outside
# the checkout, and run the end-to-end tests (sites, cases, a case screenshot, quiz, playlist
# export) against that install's `cnoatlas`, from a folder outside the checkout.
#   bash tools/test_wheel.sh         (after tools/setup.sh --test; CI runs it after tools/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
rm -rf dist/wheel
.venv/bin/python -m pip wheel -q --no-deps . -w dist/wheel
wheel=$(ls dist/wheel/cnoatlas-*.whl)
files=$(.venv/bin/python -c "import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))" "$wheel")
echo "built $wheel ($files files)"

outside="$(mktemp -d /tmp/cnoatlas-wheel-XXXXXX)"
trap 'rm -rf "$outside"' EXIT
python3 -m venv "$outside/venv"
# The dependencies come from pip's cache when the checkout's .venv fetched them already.
"$outside/venv/bin/python" -m pip install -q "$wheel"
echo "installed into $outside/venv: $("$outside/venv/bin/cnoatlas" --version)"

export QT_QPA_PLATFORM=offscreen CNOATLAS_E2E_BIN="$outside/venv/bin/cnoatlas"
cd "$outside"
e2e="$repo/tests/e2e"
"$repo/.venv/bin/python" -m pytest -q -p no:cacheprovider --rootdir "$repo" -c "$repo/pyproject.toml" \
  "$e2e/test_entry_points.py::test_the_program_under_test_uses_the_data_of_its_own_install" \
  "$e2e/test_entry_points.py::test_screenshot_home_writes_the_window_at_the_requested_size" \
  "$e2e/test_entry_points.py::test_bad_input_is_one_line_without_traceback" \
  "$e2e/test_entry_points.py::test_output_into_a_closed_pipe_ends_quietly" \
  "$e2e/test_sites_cli.py::test_sites_json_prints_the_contract_shape" \
  "$e2e/test_cases_cli.py::test_cases_list_json_prints_the_contract_shape" \
  "$e2e/test_cases_cli.py::test_cases_validate_passes_on_the_library" \
  "$e2e/test_cases_cli.py::test_case_screenshot_shows_the_case_page" \
  "$e2e/test_quiz_cli.py" \
  "$e2e/test_playlist_cli.py::test_export_writes_one_full_hd_png_per_step_and_a_handout"
