#!/usr/bin/env bash
# Cluster DNS on one node: answers per second and latency percentiles of
# A questions for Service names (200 Services, names picked at random, a
# fifth of them names that do not exist), asked over UDP from 4 client
# processes with 16 questions in flight each. Prints the figure and the
# target. Uses the release binary; the node listens on a cluster DNS
# address of its own (127.77.250.10) with the process runtime.
# Usage: benches/dns.sh [SECONDS]   (ORK=path/to/ork to measure another build)
set -euo pipefail
SECS=${1:-5}
cd "$(dirname "$0")/.."
if [ -z "${ORK:-}" ]; then
  cargo build --release -q
  ORK=$PWD/target/release/ork
fi
W=$(mktemp -d)
DNS=127.77.250.10
cleanup() {
  kill $(cat "$W/ctl.pid" 2>/dev/null) $(cat "$W/node.pid" 2>/dev/null) 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
"$ORK" control --data-dir "$W/ctl" --listen 127.0.0.1:0 >"$W/ctl.log" 2>&1 & echo $! >"$W/ctl.pid"
for _ in $(seq 200); do [ -s "$W/ctl/control.url" ] && break; sleep 0.05; done
URL=$(cat "$W/ctl/control.url")
"$ORK" node --join "$URL" --token-file "$W/ctl/node.token" --name n1 --runtime process \
  --data-dir "$W/node" --dns-addr "$DNS" >"$W/node.log" 2>&1 & echo $! >"$W/node.pid"
export ORK_CONFIG=$W/ctl/admin.kubeconfig
for _ in $(seq 200); do "$ORK" get node n1 >/dev/null 2>&1 && break; sleep 0.05; done
for i in $(seq 0 199); do
  printf -- '---\napiVersion: v1\nkind: Service\nmetadata: {name: svc%d}\nspec:\n  selector: {app: a%d}\n  ports: [{port: 80}]\n' "$i" "$i"
done >"$W/svcs.yaml"
"$ORK" apply -f "$W/svcs.yaml" >/dev/null
python3 - "$DNS" "$SECS" <<'PY'
import multiprocessing as mp, random, socket, struct, sys, time
server, secs = sys.argv[1], float(sys.argv[2])
INFLIGHT = 16

def query(qid, name):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack(">HH", 1, 1)

def wait_ready():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.5)
    for _ in range(200):
        s.sendto(query(1, "svc199.default.svc.cluster.local"), (server, 53))
        try:
            d = s.recv(512)
            if d[3] & 0xF == 0 and struct.unpack(">H", d[6:8])[0] == 1:
                return
        except socket.timeout:
            pass
        time.sleep(0.1)
    sys.exit("the node's DNS never answered svc199")

def worker(out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((server, 53)); s.settimeout(1.0)
    names = [f"svc{i}.default.svc.cluster.local" for i in range(200)] + [f"none{i}.default.svc.cluster.local" for i in range(50)]
    sent, lat, bad = {}, [], 0
    qid = 0
    end = time.perf_counter() + secs
    def send():
        nonlocal qid
        qid = (qid + 1) & 0xFFFF
        sent[qid] = time.perf_counter()
        s.send(query(qid, random.choice(names)))
    for _ in range(INFLIGHT):
        send()
    while time.perf_counter() < end:
        try:
            d = s.recv(512)
        except socket.timeout:
            bad += len(sent); sent.clear()
            for _ in range(INFLIGHT): send()
            continue
        t0 = sent.pop(struct.unpack(">H", d[:2])[0], None)
        if t0 is None:
            continue
        lat.append(time.perf_counter() - t0)
        send()
    out.put((lat, bad))

wait_ready()
q = mp.Queue()
ps = [mp.Process(target=worker, args=(q,)) for _ in range(4)]
for p in ps: p.start()
lat, lost = [], 0
for _ in ps:
    l, b = q.get(); lat += l; lost += b
for p in ps: p.join()
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] * 1000
rate = len(lat) / secs
print(f"dns 1 node: {rate:,.0f} answers/s p50 {pct(0.5):.2f} ms p99 {pct(0.99):.2f} ms, {lost} lost "
      f"(target >= 20,000 answers/s, p99 <= 5 ms)")
PY
