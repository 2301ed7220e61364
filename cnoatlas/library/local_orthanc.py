"""A local Orthanc with its DICOMweb plugin, for development, the tests and the bench.

``LocalOrthanc(folder).start()`` writes a configuration into ``folder`` and starts the Debian
``orthanc`` binary on 127.0.0.1 with one user. Orthanc 1.10 cannot choose its listening address:
``RemoteAccessAllowed: false`` makes it refuse every connection that does not come from this
machine. ``python -m cnoatlas.library.local_orthanc [PORT]`` runs one until Ctrl+C.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from cnoatlas.domain.errors import AtlasError

PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> bool:
    return shutil.which("Orthanc") is not None and PLUGIN.is_file()


class LocalOrthanc:
    """One Orthanc process with its own database; ``stop``/``start`` keep the database."""

    def __init__(self, folder: Path, user: str, password: str, port: int | None = None) -> None:
        if not available():
            raise AtlasError(
                "Orthanc is not installed: apt-get install orthanc orthanc-dicomweb "
                "(bash tools/setup.sh --test does it)"
            )
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.user, self.password = user, password
        self.port = port or free_port()
        self.config = self.folder / "orthanc.json"
        self.config.write_text(
            json.dumps(
                {
                    "Name": "cnoatlas-teaching-library",
                    "StorageDirectory": str(self.folder / "db"),
                    "IndexDirectory": str(self.folder / "db"),
                    "HttpPort": self.port,
                    "DicomServerEnabled": False,
                    "RemoteAccessAllowed": False,
                    "AuthenticationEnabled": True,
                    # Orthanc keeps its users in its own configuration (a server-side file).
                    "RegisteredUsers": {user: password},
                    "Plugins": [str(PLUGIN)],
                    "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
                    "HttpTimeout": 10,
                },
                indent=2,
            )
        )
        self.config.chmod(0o600)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dicom-web"

    def start(self, wait: float = 30.0) -> LocalOrthanc:
        log = open(self.folder / "orthanc.log", "ab")  # noqa: SIM115 (open while it runs)
        self.process = subprocess.Popen(["Orthanc", str(self.config)], stdout=log, stderr=log)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise AtlasError(f"Orthanc did not start; see {self.folder / 'orthanc.log'}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def __enter__(self) -> LocalOrthanc:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


def main(argv: list[str]) -> int:
    import os

    folder = Path(os.environ.get("CNOATLAS_ORTHANC_DIR", "/tmp/cnoatlas-orthanc"))
    password = os.environ.get("CNOATLAS_ORTHANC_PASSWORD", "teaching")
    port = int(argv[0]) if argv else 8042
    try:
        server = LocalOrthanc(folder, "teacher", password, port).start()
    except AtlasError as exc:
        print(f"cnoatlas: {exc}", file=sys.stderr)
        return 2
    print(f"Orthanc is up: {server.url} (user teacher); Ctrl+C stops it", flush=True)
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
