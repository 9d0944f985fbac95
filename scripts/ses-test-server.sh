#!/usr/bin/env bash
# Starts moto (PyPI, server mode) in the background on a free loopback port, as the SES API
# for the function's SES test. Installs moto[server] with pip if it is missing.
# Prints shell assignments to eval:
#   eval "$(scripts/ses-test-server.sh)"   # sets CSP_TEST_SES_ENDPOINT, SES_PID and SES_LOG
# Stop it with: kill "$SES_PID"
set -euo pipefail
if ! python3 -c "import moto.server, moto.sesv2" 2>/dev/null; then
    echo "ses-test-server: installing moto[server] (pip)" >&2
    python3 -m pip install --quiet --disable-pip-version-check 'moto[server]' >&2
fi
log=$(mktemp "${TMPDIR:-/tmp}/csp-moto.XXXXXX")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m moto.server -H 127.0.0.1 -p "$port" >"$log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 150); do
    if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
        "http://127.0.0.1:$port/moto-api/data.json" 2>/dev/null; then
        echo "export CSP_TEST_SES_ENDPOINT=http://127.0.0.1:$port"
        echo "SES_PID=$pid"
        echo "SES_LOG=$log"
        exit 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "ses-test-server: moto exited; its log:" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.2
done
echo "ses-test-server: moto did not answer on port $port within 30 s; its log:" >&2
cat "$log" >&2
kill "$pid" 2>/dev/null || true
exit 1
