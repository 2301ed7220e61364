#!/usr/bin/env bash
# A local Orthanc with its DICOMweb plugin on 127.0.0.1, for development and for trying the
# department library: bash tools/orthanc.sh [PORT]   (8042; Ctrl+C stops it)
# User "teacher", password from CNOATLAS_ORTHANC_PASSWORD ("teaching" if unset); its database
# lives in ${CNOATLAS_ORTHANC_DIR:-/tmp/cnoatlas-orthanc}. Needs: apt-get install orthanc orthanc-dicomweb
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
[ -x "$python" ] || python=python3
exec "$python" -m cnoatlas.library.local_orthanc "$@"
