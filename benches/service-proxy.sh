#!/usr/bin/env bash
# The cost of going through a Service: N new HTTP/1.0 connections straight
# to one replica's host port, then N through the service's cluster IP at its
# declared port, then N through its cluster port (the node's proxy picks a
# replica per connection). Two python3 replicas on the process runtime, one
# node. Prints requests/s and p50/p99 of each and what the proxy adds,
# against the target. Uses the release binary (ORK_BIN=path to use another).
# The cluster IP's port 80 needs root.
# Usage: benches/service-proxy.sh [N]
set -euo pipefail
N=${1:-2000}
cd "$(dirname "$0")/.."
if [ -n "${ORK_BIN:-}" ]; then ORK=$ORK_BIN; else cargo build --release -q; ORK=$PWD/target/release/ork; fi
W=$(mktemp -d)
cleanup() {
  # The replicas are host processes: delete them before the daemons go.
  [ -f "$W/app.yaml" ] && timeout 30 "$ORK" delete -f "$W/app.yaml" >/dev/null 2>&1 || true
  kill $(cat "$W/ctl.pid" 2>/dev/null) $(cat "$W/node.pid" 2>/dev/null) 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
"$ORK" control --data-dir "$W/ctl" --listen 127.0.0.1:0 >"$W/ctl.log" 2>&1 & echo $! >"$W/ctl.pid"
for _ in $(seq 200); do [ -s "$W/ctl/control.url" ] && break; sleep 0.05; done
URL=$(cat "$W/ctl/control.url")
"$ORK" node --join "$URL" --token-file "$W/ctl/node.token" --name n1 --runtime process \
  --data-dir "$W/node" >"$W/node.log" 2>&1 & echo $! >"$W/node.pid"
export ORK_CONFIG=$W/ctl/admin.kubeconfig
for _ in $(seq 200); do "$ORK" get node n1 >/dev/null 2>&1 && break; sleep 0.05; done
cat >"$W/app.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  replicas: 2
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:
      - name: web
        image: python
        command:
        - python3
        - -c
        - |
          import http.server, os
          class H(http.server.BaseHTTPRequestHandler):
              def do_GET(s):
                  s.send_response(200); s.send_header("Content-Length", "2"); s.end_headers(); s.wfile.write(b"ok")
              def log_message(s, *a): pass
          http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  selector: {app: echo}
  ports: [{port: 80, targetPort: http}]
YAML
"$ORK" apply -f "$W/app.yaml" >/dev/null
ready() { "$ORK" get endpoints echo -o json 2>/dev/null | python3 -c 'import json,sys; e=json.load(sys.stdin); print(sum(len(s.get("addresses",[])) for s in e.get("subsets",[])))' 2>/dev/null || echo 0; }
for _ in $(seq 400); do [ "$(ready)" = 2 ] && break; sleep 0.05; done
DIRECT=$("$ORK" get endpoints echo -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["subsets"][0]["ports"][0]["port"])')
SVC=$("$ORK" get svc echo -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["spec"]["ports"][0]["clusterPort"])')
IP=$("$ORK" get svc echo -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["spec"]["clusterIP"])')
python3 - "$N" "$DIRECT" "$SVC" "$IP" <<'PY'
import socket, sys, time
n, direct, svc, ip = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def run(port, host="127.0.0.1"):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        s = socket.create_connection((host, port))
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        while s.recv(4096):
            pass
        s.close()
        ts.append(time.perf_counter() - t)
    rate = n / sum(ts)
    ts.sort()
    return ts[len(ts) // 2] * 1000, ts[int(len(ts) * 0.99)] * 1000, rate
run(direct)  # warm up
d50, d99, dr = run(direct)
c50, c99, cr = run(80, ip)
s50, s99, sr = run(svc)
print(f"{n} new connections, direct to a replica:        {dr:7.0f} requests/s, p50 {d50:.3f} ms, p99 {d99:.3f} ms")
print(f"{n} new connections, cluster IP {ip}:80: {cr:7.0f} requests/s, p50 {c50:.3f} ms, p99 {c99:.3f} ms")
print(f"{n} new connections, cluster port {svc}:        {sr:7.0f} requests/s, p50 {s50:.3f} ms, p99 {s99:.3f} ms")
print(f"service proxy adds through the cluster IP: p50 {c50 - d50:+.3f} ms, p99 {c99 - d99:+.3f} ms per connection (target: p50 < 0.5 ms, p99 < 2 ms)")
PY
