"""A real Orthanc with its DICOMweb plugin on 127.0.0.1, for the tests that need it
(the `orthanc` fixture, registered in tests/conftest.py)."""

from __future__ import annotations

import pytest

from cnoatlas.domain.errors import AtlasError
from cnoatlas.library.local_orthanc import LocalOrthanc

USER, PASSWORD = "teacher", "test-only-password"


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory):
    try:
        server = LocalOrthanc(tmp_path_factory.mktemp("orthanc"), USER, PASSWORD).start()
    except AtlasError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()
