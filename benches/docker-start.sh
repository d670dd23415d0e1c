#!/usr/bin/env bash
# Times `ork apply` of an N-replica busybox Deployment on the docker runtime
# until all N pods are Running, next to N plain `docker run -d` of the same
# image on the same engine (one after the other, as a script would), in the
# same run. Uses the release binary and ork-test/busybox:latest
# (tests/images/build.sh).
# Usage: benches/docker-start.sh [N]
set -euo pipefail
N=${1:-20}
cd "$(dirname "$0")/.."
cargo build --release -q
docker image inspect ork-test/busybox:latest >/dev/null 2>&1 || bash tests/images/build.sh
ORK=$PWD/target/release/ork
W=$(mktemp -d)
cleanup() {
  kill "$(cat "$W/ctl.pid" 2>/dev/null)" "$(cat "$W/node.pid" 2>/dev/null)" 2>/dev/null || true
  ids=$(docker ps -aq --filter label=ork-bench=plain)
  [ -n "$ids" ] && docker rm -f $ids >/dev/null
  if [ -s "$W/node/node-id" ]; then
    ids=$(docker ps -aq --filter "label=ork.dev/node-id=$(cat "$W/node/node-id")")
    [ -n "$ids" ] && docker rm -f $ids >/dev/null
  fi
  rm -rf "$W"
}
trap cleanup EXIT
now() { date +%s.%N; }

t0=$(now)
for i in $(seq "$N"); do
  docker run -d --label ork-bench=plain ork-test/busybox:latest sleep 3600 >/dev/null
done
t1=$(now)
printf 'docker run -d x%d: %.2f s\n' "$N" "$(echo "$t1 - $t0" | bc)"

"$ORK" control --data-dir "$W/ctl" --listen 127.0.0.1:0 >"$W/ctl.log" 2>&1 & echo $! >"$W/ctl.pid"
for _ in $(seq 200); do [ -s "$W/ctl/control.url" ] && break; sleep 0.05; done
URL=$(cat "$W/ctl/control.url")
"$ORK" node --join "$URL" --token-file "$W/ctl/node.token" --name bench --runtime docker \
  --data-dir "$W/node" >"$W/node.log" 2>&1 & echo $! >"$W/node.pid"
export ORK_CONFIG=$W/ctl/admin.kubeconfig
for _ in $(seq 200); do "$ORK" get node bench >/dev/null 2>&1 && break; sleep 0.05; done
# The sandbox image is built once per ork version; build it outside the timing.
cat >"$W/warm.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: warm}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: c, image: ork-test/busybox:latest, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}]
YAML
"$ORK" apply -f "$W/warm.yaml" >/dev/null
until [ "$("$ORK" get pod warm -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"].get("phase",""))')" = Running ]; do sleep 0.1; done
"$ORK" delete pod warm >/dev/null
cat >"$W/d.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: bench}
spec:
  replicas: $N
  selector: {matchLabels: {app: bench}}
  template:
    metadata: {labels: {app: bench}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: c, image: ork-test/busybox:latest, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
YAML
running() { "$ORK" get deploy bench -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"].get("readyReplicas", 0))'; }
t0=$(now)
"$ORK" apply -f "$W/d.yaml" >/dev/null
while [ "$(running)" -lt "$N" ]; do sleep 0.05; done
t1=$(now)
printf 'ork apply %d replicas (docker runtime) -> all Running: %.2f s (%d cores)\n' "$N" "$(echo "$t1 - $t0" | bc)" "$(nproc)"
