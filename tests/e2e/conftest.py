"""End-to-end tests run the installed `cnoatlas` entry point as a separate process.

By default that is the `cnoatlas` beside the Python running the tests (the editable install in
.venv). ``CNOATLAS_E2E_BIN=/path/to/cnoatlas`` runs another install instead: .ci/run points it
at a wheel installed into a fresh virtual environment outside the checkout.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cnoatlas_script() -> str:
    chosen = os.environ.get("CNOATLAS_E2E_BIN")
    if chosen:
        if not Path(chosen).is_file():
            pytest.fail(f"CNOATLAS_E2E_BIN={chosen}: no such program")
        return chosen
    script = Path(sys.executable).with_name("cnoatlas")
    if script.exists():
        return str(script)
    found = shutil.which("cnoatlas")
    if not found:
        pytest.fail("the cnoatlas entry point is not installed (pip install -e .)")
    return found


@pytest.fixture
def run_cli(tmp_path):
    """Runs `cnoatlas ARGS…` with a private user folder and no display; returns the result."""

    def run(
        *args: str, timeout: float = 120, display: bool = True, **env_extra: str
    ) -> subprocess.CompletedProcess:
        env = dict(os.environ)
        env.pop("DISPLAY", None)
        if not display:  # no screen at all, not even the offscreen one the tests use
            env.pop("QT_QPA_PLATFORM", None)
            env.pop("WAYLAND_DISPLAY", None)
        env["CNOATLAS_HOME"] = str(tmp_path / "home")
        env.update(env_extra)
        return subprocess.run(
            [cnoatlas_script(), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=tmp_path,
        )

    return run
