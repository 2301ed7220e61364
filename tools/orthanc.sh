#!/usr/bin/env bash
# A local Orthanc with its DICOMweb plugin, for development and for trying the department library:
#   bash tools/orthanc.sh [start] [PORT]   start it on 127.0.0.1:PORT (8042) with the user "teacher"
#   bash tools/orthanc.sh stop             stop it
# Its database and configuration live in ${CNOATLAS_ORTHANC_DIR:-/tmp/cnoatlas-orthanc}. The test
# user's password is "teaching" unless CNOATLAS_ORTHANC_PASSWORD says otherwise; it is written only
# into that server's own configuration file (Orthanc keeps its users there).
# Orthanc 1.10 cannot choose its listening address: "RemoteAccessAllowed": false makes it refuse
# every connection that does not come from this machine.
set -euo pipefail
dir=${CNOATLAS_ORTHANC_DIR:-/tmp/cnoatlas-orthanc}
action=${1:-start}
port=${2:-8042}
plugin=/usr/share/orthanc/plugins/libOrthancDicomWeb.so

if [ "$action" = stop ]; then
  if [ -f "$dir/pid" ]; then kill "$(cat "$dir/pid")" 2>/dev/null || true; rm -f "$dir/pid"; fi
  echo "Orthanc stopped"
  exit 0
fi
if ! command -v Orthanc >/dev/null || [ ! -f "$plugin" ]; then
  echo "Orthanc or its DICOMweb plugin is missing: apt-get install orthanc orthanc-dicomweb" >&2
  exit 2
fi
mkdir -p "$dir/db"
password=${CNOATLAS_ORTHANC_PASSWORD:-teaching}
cat >"$dir/orthanc.json" <<JSON
{
  "Name": "cnoatlas-teaching-library",
  "StorageDirectory": "$dir/db",
  "IndexDirectory": "$dir/db",
  "HttpPort": $port,
  "DicomServerEnabled": false,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": true,
  "RegisteredUsers": { "teacher": "$password" },
  "Plugins": [ "$plugin" ],
  "DicomWeb": { "Enable": true, "Root": "/dicom-web/" }
}
JSON
chmod 600 "$dir/orthanc.json"
Orthanc "$dir/orthanc.json" >"$dir/orthanc.log" 2>&1 &
echo $! >"$dir/pid"
for _ in $(seq 50); do
  if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; then
    echo "Orthanc is up: http://127.0.0.1:$port/dicom-web (user teacher); stop with: bash tools/orthanc.sh stop"
    exit 0
  fi
  sleep 0.2
done
echo "Orthanc did not start; see $dir/orthanc.log" >&2
exit 1
