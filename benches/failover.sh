#!/usr/bin/env bash
# Failover and rollout timings of ork on this machine, printed like
# ../shared/bench/swarm-failover.sh prints Docker Swarm's, so both compare.
# Each run: `ork up --nodes 3` (process runtime, default 5 s node grace), a
# Deployment of REPLICAS `sleep` pods spread over the nodes, SIGKILL of one
# node daemon, time until REPLICAS pods are Running and ready on the others.
# Then a rollout of 20 replicas (default maxSurge/maxUnavailable 25%).
# Usage: benches/failover.sh [REPLICAS] [RUNS]
set -euo pipefail
REPLICAS=${1:-6}
RUNS=${2:-5}
cd "$(dirname "$0")/.."
cargo build --release -q
ORK=$PWD/target/release/ork
W=$(mktemp -d)
export ORK_CONFIG=$W/config.yaml
cleanup() {
  pkill -TERM -f "ork up --nodes 3 --listen 127.0.0.1:0 --data-dir $W" 2>/dev/null || true
  sleep 1
  pkill -KILL -f -- "--data-dir $W" 2>/dev/null || true
  "$ORK" down --data-dir "$W/data" >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
now() { date +%s.%N; }
ready_on() { # ready pods of app=ha not on node $1
  "$ORK" get pods -l app=ha -o json | python3 -c '
import json, sys
skip = sys.argv[1]
n = 0
for p in json.load(sys.stdin)["items"]:
    if p["metadata"].get("deletionTimestamp") or p["spec"].get("nodeName") == skip:
        continue
    if any(c["type"] == "Ready" and c["status"] == "True" for c in p.get("status", {}).get("conditions", [])):
        n += 1
print(n)' "$1"
}
deployment() { # name replicas command
  cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1}
spec:
  replicas: $2
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      terminationGracePeriodSeconds: 2
      containers: [{name: c, command: [sleep, "$3"]}]
YAML
}
times=()
for run in $(seq "$RUNS"); do
  rm -rf "$W/data"
  "$ORK" up --nodes 3 --listen 127.0.0.1:0 --data-dir "$W/data" >"$W/up.out" 2>"$W/up.err" &
  until grep -q "ork is up" "$W/up.out" 2>/dev/null; do sleep 0.05; done
  until [ "$("$ORK" get nodes --no-headers 2>/dev/null | grep -c ' Ready')" = 3 ]; do sleep 0.05; done
  deployment ha "$REPLICAS" "$((100000 + run))" >"$W/ha.yaml"
  t0=$(now)
  "$ORK" apply -f "$W/ha.yaml" >/dev/null
  until [ "$(ready_on none)" -ge "$REPLICAS" ]; do sleep 0.05; done
  [ "$run" = 1 ] && printf 'ork: %s replicas on 3 nodes running after %.1f s\n' "$REPLICAS" "$(echo "$(now) - $t0" | bc)"
  victim=$("$ORK" get pods -l app=ha -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["spec"]["nodeName"])')
  t0=$(now)
  kill -KILL "$(cat "$W/data/nodes/$victim.pid")"
  down=""
  while :; do
    [ -z "$down" ] && "$ORK" get node "$victim" --no-headers | grep -q NotReady && down=$(echo "$(now) - $t0" | bc)
    [ "$(ready_on "$victim")" -ge "$REPLICAS" ] && break
    sleep 0.05
  done
  t=$(echo "$(now) - $t0" | bc)
  times+=("$t")
  printf 'ork: run %d: node down after %.1f s, replicas running elsewhere after %.1f s\n' "$run" "${down:-0}" "$t"
  pkill -TERM -f "ork up --nodes 3 --listen 127.0.0.1:0 --data-dir $W" || true
  while pgrep -f "ork up --nodes 3 --listen 127.0.0.1:0 --data-dir $W" >/dev/null; do sleep 0.1; done
  "$ORK" down --data-dir "$W/data" >/dev/null
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
max=$(echo "$sorted" | tail -n1)
printf 'ork failover, %d runs: median %.1f s, max %.1f s (target < 10 s; %d cores)\n' "$RUNS" "$median" "$max" "$(nproc)"

# Rollout of 20 replicas: v1, then v2, timed until `rollout status` is done.
rm -rf "$W/data"
"$ORK" up --nodes 3 --listen 127.0.0.1:0 --data-dir "$W/data" >"$W/up.out" 2>"$W/up.err" &
until grep -q "ork is up" "$W/up.out" 2>/dev/null; do sleep 0.05; done
until [ "$("$ORK" get nodes --no-headers 2>/dev/null | grep -c ' Ready')" = 3 ]; do sleep 0.05; done
deployment web 20 200001 >"$W/v1.yaml"
"$ORK" apply -f "$W/v1.yaml" >/dev/null
"$ORK" rollout status deployment/web >/dev/null
deployment web 20 200002 >"$W/v2.yaml"
t0=$(now)
"$ORK" apply -f "$W/v2.yaml" >/dev/null
"$ORK" rollout status deployment/web >/dev/null
printf 'ork rollout of 20 replicas (maxSurge 25%%, maxUnavailable 25%%): %.1f s\n' "$(echo "$(now) - $t0" | bc)"
