"""The atlas turns numpy's huge-page advice off unless the user chose (see cnoatlas/__init__)."""

import os
import subprocess
import sys


def _setting_seen_by_numpy(env: dict) -> str:
    code = "import cnoatlas, numpy, os; print(os.environ['NUMPY_MADVISE_HUGEPAGE'])"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_off_by_default_before_numpy_is_imported():
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    assert _setting_seen_by_numpy(env) == "0"


def test_a_users_own_setting_wins():
    assert _setting_seen_by_numpy({**os.environ, "NUMPY_MADVISE_HUGEPAGE": "1"}) == "1"
