#!/usr/bin/env bash
# Times `ork apply` of an N-replica Deployment on the fake runtime until all N
# pods are Running (seen through the API), and reads the control daemon's
# resident memory when idle. Uses the release binary.
# Usage: benches/apply-fake.sh [N]
set -euo pipefail
N=${1:-100}
cd "$(dirname "$0")/.."
cargo build --release -q
ORK=$PWD/target/release/ork
W=$(mktemp -d)
trap 'kill $(cat "$W/ctl.pid" 2>/dev/null) $(cat "$W/node.pid" 2>/dev/null) 2>/dev/null; rm -rf "$W"' EXIT
"$ORK" control --data-dir "$W/ctl" --listen 127.0.0.1:0 >"$W/ctl.log" 2>&1 & echo $! >"$W/ctl.pid"
for _ in $(seq 200); do [ -s "$W/ctl/control.url" ] && break; sleep 0.05; done
URL=$(cat "$W/ctl/control.url")
"$ORK" node --join "$URL" --token-file "$W/ctl/node.token" --name hollow --runtime fake \
  --capacity cpu=1000,memory=4Ti,pods=100000 --data-dir "$W/node" >"$W/node.log" 2>&1 & echo $! >"$W/node.pid"
export ORK_CONFIG=$W/ctl/admin.kubeconfig
for _ in $(seq 200); do "$ORK" get node hollow >/dev/null 2>&1 && break; sleep 0.05; done
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
      containers: [{name: c, image: none, command: ["none"]}]
YAML
# Ready replicas as the Deployment reports them (what `rollout status` watches).
running() { "$ORK" get deploy bench -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"].get("readyReplicas", 0))'; }
t0=$(date +%s.%N)
"$ORK" apply -f "$W/d.yaml" >/dev/null
while [ "$(running)" -lt "$N" ]; do sleep 0.05; done
t1=$(date +%s.%N)
printf 'apply %d replicas (fake runtime) -> all Running: %.2f s (%d cores)\n' "$N" "$(echo "$t1 - $t0" | bc)" "$(nproc)"
sleep 3
rss=$(awk '/VmRSS/ {print $2}' "/proc/$(cat "$W/ctl.pid")/status")
printf 'control daemon resident memory, idle with %d pods: %d MiB\n' "$N" "$((rss / 1024))"
