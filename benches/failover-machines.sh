#!/usr/bin/env bash
# Machine-death failover, ork next to Docker Swarm, in the same run on this machine.
# Swarm: ../shared/bench/swarm-failover.sh REPLICAS (three private engines, one SIGKILLed
# with its containers). ork: `ork up --machines docker --nodes 3` (a container per node,
# pods inside it, default 5 s node grace), REPLICAS `sleep` pods, `ork chaos kill` of the
# busiest machine, time until REPLICAS pods are Running and Ready on the other machines;
# RUNS times, median and max. Prints both and the ratio (Swarm's time / ork's median).
# Usage: benches/failover-machines.sh [REPLICAS] [RUNS]   (ORK=path/to/ork, SWARM=path/to/script)
set -euo pipefail
REPLICAS=${1:-6}
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ORK=${ORK:-$ROOT/target/debug/ork}
[ -x "$ORK" ] || (cd "$ROOT" && cargo build -q)
SWARM=${SWARM:-}
if [ -z "$SWARM" ]; then
  for c in "$ROOT/../shared/bench/swarm-failover.sh" "$ROOT/../../shared/bench/swarm-failover.sh"; do
    [ -f "$c" ] && SWARM=$c && break
  done
fi
W=$(mktemp -d)
export ORK_CONFIG=$W/config.yaml
UP=""
cleanup() {
  [ -n "$UP" ] && kill -KILL "$UP" 2>/dev/null || true
  "$ORK" down --data-dir "$W/data" >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
now() { date +%s.%N; }
ready_pods() { # "node count" lines of Running+Ready pods of app=ha not being deleted
  "$ORK" get pods -l app=ha -o json 2>/dev/null | python3 -c '
import json, sys, collections
c = collections.Counter()
for p in json.load(sys.stdin)["items"]:
    s = p.get("status", {})
    if p["metadata"].get("deletionTimestamp") or s.get("phase") != "Running":
        continue
    if any(x["type"] == "Ready" and x["status"] == "True" for x in s.get("conditions", [])):
        c[p["spec"].get("nodeName", "")] += 1
for n, k in c.items():
    print(n, k)' || true
}
total() { awk '{s += $2} END {print s + 0}'; }

swarm_line="swarm: not run (no swarm-failover.sh found)"
swarm_s=""
if [ -n "$SWARM" ]; then
  out=$(bash "$SWARM" "$REPLICAS" 2>&1 || true)
  echo "$out"
  swarm_line=$(echo "$out" | grep 'running elsewhere after' || echo "swarm: failed")
  swarm_s=$(echo "$swarm_line" | sed -n 's/.*running elsewhere after \([0-9.]*\) s.*/\1/p')
fi

times=()
for run in $(seq "$RUNS"); do
  rm -rf "$W/data"
  "$ORK" up --machines docker --nodes 3 --cluster orkbench --listen 127.0.0.1:0 --data-dir "$W/data" >"$W/up.out" 2>"$W/up.err" &
  UP=$!
  for _ in $(seq 1 2400); do grep -q "ork is up" "$W/up.out" 2>/dev/null && break; sleep 0.1; done
  grep -q "ork is up" "$W/up.out" || { cat "$W/up.out" "$W/up.err"; echo "ork: not up"; exit 1; }
  upline=$(grep 'Ready in' "$W/up.out" || true)
  cat <<YAML | "$ORK" apply -f - >/dev/null
apiVersion: apps/v1
kind: Deployment
metadata: {name: ha}
spec:
  replicas: $REPLICAS
  selector: {matchLabels: {app: ha}}
  template:
    metadata: {labels: {app: ha}}
    spec:
      terminationGracePeriodSeconds: 2
      containers: [{name: c, image: busybox, command: [sleep, "$((200000 + run))"]}]
YAML
  t=$(now)
  until [ "$(ready_pods | total)" = "$REPLICAS" ]; do sleep 0.1; done
  spread=$(printf '%.1f' "$(echo "$(now) - $t" | bc)")
  victim=$(ready_pods | sort -k2 -n -r | head -1 | cut -d' ' -f1)
  t0=$(now)
  "$ORK" chaos kill "$victim" --data-dir "$W/data" >/dev/null
  until [ "$(ready_pods | grep -v "^$victim " | total)" = "$REPLICAS" ]; do
    [ "$(echo "$(now) - $t0 > 180" | bc)" = 1 ] && { echo "ork: not recovered in 180 s"; exit 1; }
    sleep 0.1
  done
  took=$(printf '%.1f' "$(echo "$(now) - $t0" | bc)")
  times+=("$took")
  echo "ork run $run: ${upline# }; $REPLICAS replicas running after $spread s; $victim killed, replicas running elsewhere after $took s"
  kill -TERM "$UP" 2>/dev/null || true
  wait "$UP" 2>/dev/null || true
  UP=""
  "$ORK" down --data-dir "$W/data" >/dev/null 2>&1 || true
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}')
max=$(echo "$sorted" | tail -1)
echo "$swarm_line"
echo "ork: machine killed, $REPLICAS replicas running elsewhere after median $median s, max $max s of $RUNS (target: under 10 s, and faster than Swarm)"
if [ -n "$swarm_s" ]; then
  printf 'ratio: Swarm %.1f s / ork median %.1f s = %.1fx\n' "$swarm_s" "$median" "$(echo "$swarm_s / $median" | bc -l)"
fi
