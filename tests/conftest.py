"""Shared test setup: offscreen Qt and a private user folder for every test session."""

import os
import tempfile

# Must happen before anything imports Qt: without a display pytest-qt would abort.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# User state (settings, progress, logs, caches) never touches the developer's real folders.
os.environ["CNOATLAS_HOME"] = tempfile.mkdtemp(prefix="cnoatlas-test-home-")
