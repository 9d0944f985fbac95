#!/usr/bin/env bash
# Starts aiosmtpd (PyPI) in the background on a free loopback port, storing received mail in
# a Maildir, for the function's SMTP test. Installs aiosmtpd with pip if it is missing.
# Prints shell assignments to eval:
#   eval "$(scripts/smtp-test-server.sh)"   # sets CSP_TEST_SMTP, CSP_TEST_SMTP_MAILDIR, SMTP_PID
# and SMTP_LOG (the caller removes the Maildir and the log when it is done).
set -euo pipefail
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    echo "smtp-test-server: installing aiosmtpd (pip)" >&2
    python3 -m pip install --quiet --disable-pip-version-check aiosmtpd >&2
fi
maildir=$(mktemp -d "${TMPDIR:-/tmp}/csp-smtp.XXXXXX")
mkdir -p "$maildir/tmp" "$maildir/new" "$maildir/cur"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$maildir" >"$maildir.log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "export CSP_TEST_SMTP=127.0.0.1:$port"
        echo "export CSP_TEST_SMTP_MAILDIR=$maildir"
        echo "SMTP_PID=$pid"
        echo "SMTP_LOG=$maildir.log"
        exit 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "smtp-test-server: aiosmtpd exited; its log:" >&2
        cat "$maildir.log" >&2
        exit 1
    fi
    sleep 0.1
done
echo "smtp-test-server: aiosmtpd did not open port $port" >&2
kill "$pid" 2>/dev/null || true
exit 1
