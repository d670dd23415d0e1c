#!/usr/bin/env bash
# The cost of going through an Ingress: N keep-alive HTTP/1.1 requests from
# C clients straight to one replica, then the same through the node's
# ingress server (Host header routed to the Service; upstream connections
# reused). One python3 replica on the process runtime, one node. Prints
# requests/s of each and the latency the ingress adds at p50 and p99.
# Uses the release binary unless ORK names another.
# Usage: benches/ingress.sh [N] [C]
set -euo pipefail
N=${1:-4000}
C=${2:-4}
cd "$(dirname "$0")/.."
if [ -z "${ORK:-}" ]; then
  cargo build --release -q
  ORK=$PWD/target/release/ork
fi
W=$(mktemp -d)
cleanup() {
  [ -f "$W/app.yaml" ] && timeout 30 "$ORK" delete -f "$W/app.yaml" >/dev/null 2>&1 || true
  kill $(cat "$W/ctl.pid" 2>/dev/null) $(cat "$W/node.pid" 2>/dev/null) 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$ORK" control --data-dir "$W/ctl" --listen 127.0.0.1:0 >"$W/ctl.log" 2>&1 & echo $! >"$W/ctl.pid"
for _ in $(seq 200); do [ -s "$W/ctl/control.url" ] && break; sleep 0.05; done
URL=$(cat "$W/ctl/control.url")
"$ORK" node --join "$URL" --token-file "$W/ctl/node.token" --name n1 --runtime process \
  --ingress-port "$PORT" --ingress-tls-port 0 \
  --data-dir "$W/node" >"$W/node.log" 2>&1 & echo $! >"$W/node.pid"
export ORK_CONFIG=$W/ctl/admin.kubeconfig
for _ in $(seq 200); do "$ORK" get node n1 >/dev/null 2>&1 && break; sleep 0.05; done
cat >"$W/app.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  replicas: 1
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
              protocol_version = "HTTP/1.1"
              wbufsize = 65536  # one write per answer (no Nagle stall)
              disable_nagle_algorithm = True
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
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: echo}
spec:
  rules:
  - host: echo.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: echo, port: {number: 80}}}}
YAML
"$ORK" apply -f "$W/app.yaml" >/dev/null
ready() { "$ORK" get endpoints echo -o json 2>/dev/null | python3 -c 'import json,sys; e=json.load(sys.stdin); print(sum(len(s.get("addresses",[])) for s in e.get("subsets",[])))' 2>/dev/null || echo 0; }
for _ in $(seq 400); do [ "$(ready)" = 1 ] && break; sleep 0.05; done
DIRECT=$("$ORK" get endpoints echo -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["subsets"][0]["ports"][0]["port"])')
for _ in $(seq 200); do
  curl -sf -H 'Host: echo.example' "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.05
done
python3 - "$N" "$C" "$DIRECT" "$PORT" <<'PY'
import http.client, sys, threading, time
n, c, direct, ingress = (int(a) for a in sys.argv[1:5])
def run(port):
    lat, lock = [], threading.Lock()
    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        for _ in range(n // c):
            t = time.perf_counter()
            conn.request("GET", "/", headers={"Host": "echo.example"})
            r = conn.getresponse()
            r.read()
            assert r.status == 200, r.status
            mine.append(time.perf_counter() - t)
        conn.close()
        with lock:
            lat.extend(mine)
    threads = [threading.Thread(target=client) for _ in range(c)]
    t = time.perf_counter()
    for th in threads: th.start()
    for th in threads: th.join()
    wall = time.perf_counter() - t
    lat.sort()
    return len(lat) / wall, lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000
run(direct); run(ingress)  # warm up
drps, d50, d99 = run(direct)
irps, i50, i99 = run(ingress)
print(f"direct to the replica:   {drps:,.0f} requests/s, p50 {d50:.3f} ms, p99 {d99:.3f} ms ({n} keep-alive requests, {c} clients)")
print(f"through the ingress:     {irps:,.0f} requests/s, p50 {i50:.3f} ms, p99 {i99:.3f} ms")
print(f"ingress 1 node: {irps:,.0f} requests/s ({irps / drps:.0%} of direct), adds p50 {i50 - d50:+.3f} ms, p99 {i99 - d99:+.3f} ms "
      f"(target: at least 80% of direct, adds at most 1 ms at p50 and 5 ms at p99)")
PY
