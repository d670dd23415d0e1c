#!/usr/bin/env bash
# Measures how many Kubernetes manifests ork accepts unchanged.
#
#   tests/docs_examples/measure.sh DIR [ORK_BIN]
#
# DIR holds manifests (.yaml, .yml, .json, searched recursively), e.g. a copy
# of the Kubernetes documentation's content/en/examples. ORK_BIN defaults to
# target/debug/ork of this checkout.
#
# The script starts a throwaway cluster (`ork up --runtime fake` in a temp
# dir, on a free port, with its own client config), creates the namespaces the
# manifests name (as the documentation's instructions do before applying),
# runs `ork apply --dry-run -f FILE` for each file and classifies it:
#
#   accepted     every document of the file passed the server-side check
#   refused      ork refused the file; the reason is its first error line
#   not-object   the file is not an object any API server serves (see
#                not_object below: component configuration files, kubeconfig,
#                files without apiVersion/kind); counted apart, not dropped
#
# ork applies a file as one transaction, so a file with several documents is
# accepted only if all of them are; when python3 with PyYAML is present the
# script also checks that ork reported one result per document and counts a
# shortfall as refused.
#
# Output: a summary on stdout (share accepted, refusal reasons by count);
# with OUT_TSV=path the per-file results (status, file, reason key, first
# error line, every problem's key joined by |) are written there as
# tab-separated lines. The cluster is killed
# and the temp dir removed on exit, also on Ctrl-C or failure.
set -euo pipefail

usage() {
    echo "usage: $0 DIR [ORK_BIN]" >&2
    exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
dir=$1
[ -d "$dir" ] || { echo "error: $dir is not a directory" >&2; exit 2; }
here=$(cd "$(dirname "$0")/../.." && pwd)
ork=${2:-$here/target/debug/ork}
[ -x "$ork" ] || { echo "error: no ork binary at $ork (build it: cargo build --bin ork)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ork-docs-examples.XXXXXX")
up_pid=
cleanup() {
    if [ -n "$up_pid" ] && kill -0 "$up_pid" 2>/dev/null; then
        kill -TERM "$up_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$up_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$up_pid" 2>/dev/null || true
        wait "$up_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export ORK_CONFIG=$tmp/config.yaml
unset ORK_SERVER ORK_TOKEN ORK_NAMESPACE ORK_CA
"$ork" up --listen 127.0.0.1:0 --runtime fake --data-dir "$tmp/data" >"$tmp/up.log" 2>&1 &
up_pid=$!
# Wait (up to 60 s) for the line ork up prints once the API serves.
for _ in $(seq 1 600); do
    grep -q '^ork is up: API ' "$tmp/up.log" && break
    kill -0 "$up_pid" 2>/dev/null || { cat "$tmp/up.log" >&2; echo "error: ork up exited" >&2; exit 1; }
    sleep 0.1
done
grep -q '^ork is up: API ' "$tmp/up.log" || { cat "$tmp/up.log" >&2; echo "error: ork up did not come up in 60 s" >&2; exit 1; }

mapfile -t files < <(cd "$dir" && find . -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | sed 's|^\./||' | LC_ALL=C sort)
[ ${#files[@]} -gt 0 ] || { echo "error: no .yaml/.yml/.json files under $dir" >&2; exit 2; }

# Top-level `apiVersion`/`kind` values of a file: block, flow (KYAML) or
# JSON style (quoted keys may be indented four spaces).
field_values() { # FIELD FILE
    sed -n -E \
        -e "s/^[[:space:]]{0,2}\"?$1\"?[[:space:]]*:[[:space:]]*[\"']?([^\"', #]+).*/\1/p" \
        -e "s/^[[:space:]]{3,4}\"$1\"[[:space:]]*:[[:space:]]*\"([^\"]+)\".*/\1/p" "$2"
}

# The rule for files that are not API objects: every apiVersion in the file
# belongs to a component's configuration (kubeadm, kubelet, kube-proxy,
# kube-scheduler, API server admission/audit/egress/encryption configuration,
# kind's cluster config), or the file is a kubeconfig (kind: Config), or it
# has neither apiVersion nor kind (seccomp profiles, lists of image names...).
# A file with a kind but no apiVersion is an object with a mistake: counted.
config_groups='^(kubeadm\.k8s\.io|kubelet\.config\.k8s\.io|kubeproxy\.config\.k8s\.io|kubescheduler\.config\.k8s\.io|apiserver\.config\.k8s\.io|apiserver\.k8s\.io|audit\.k8s\.io|pod-security\.admission\.config\.k8s\.io|eventratelimit\.admission\.k8s\.io|imagepolicy\.k8s\.io|kind\.x-k8s\.io|resourcequota\.admission\.k8s\.io|credentialprovider\.kubelet\.k8s\.io|client\.authentication\.k8s\.io|tracing\.config\.k8s\.io)/'
not_object() { # FILE -> prints why, or nothing
    local f=$1 versions kinds
    versions=$(field_values apiVersion "$f")
    kinds=$(field_values kind "$f")
    if [ -z "$versions" ] && [ -z "$kinds" ]; then
        echo "no apiVersion and no kind (not a Kubernetes object)"
    elif ! grep -Evq "$config_groups" <<<"$versions"; then
        echo "component configuration ($(head -1 <<<"$versions"))"
    elif [ "$(sort -u <<<"$kinds")" = "Config" ]; then
        echo "kubeconfig (kind: Config)"
    fi
}

# Namespaces the manifests name, created up front as the docs' steps do.
mapfile -t namespaces < <(cd "$dir" && cat "${files[@]}" |
    sed -n -E 's/^[[:space:]]*"?namespace"?[[:space:]]*:[[:space:]]*"?([a-z0-9]([-a-z0-9]*[a-z0-9])?)"?,?[[:space:]]*(#.*)?$/\1/p' |
    LC_ALL=C sort -u)
created=()
for ns in "${namespaces[@]}"; do
    case $ns in default | kube-system | kube-public | kube-node-lease) continue ;; esac
    if "$ork" create namespace "$ns" >/dev/null 2>&1; then
        created+=("$ns")
    fi
done

have_pyyaml=false
python3 -c 'import yaml' 2>/dev/null && have_pyyaml=true
# Objects in a file as kubectl counts them (documents, List items expanded).
count_objects() { # FILE
    python3 - "$1" <<'PY' 2>/dev/null || echo "?"
import sys, yaml
n = 0
with open(sys.argv[1]) as f:
    for d in yaml.safe_load_all(f):
        if isinstance(d, dict):
            n += len(d.get("items") or []) if d.get("kind") == "List" else 1
print(n)
PY
}

# A stable key for a refusal: the first error line without file, document,
# line numbers and list indexes.
reason_key() {
    sed -E \
        -e 's/^error: //' \
        -e 's/^[^ :]+\.(yaml|yml|json): //' \
        -e 's/^document [0-9]+( \([^)]*\))?: //' \
        -e 's/, line [0-9]+(, column [0-9]+)?//g' \
        -e 's/ at line [0-9]+( column [0-9]+)?//g' \
        -e 's/\[[0-9]+\]/[*]/g' \
        -e 's/: ork supports .*//' \
        -e 's/"[^"]*-[0-9a-f]{5,}"/"…"/g' |
        cut -c1-160
}

results=$tmp/results.tsv
: >"$results"
for f in "${files[@]}"; do
    why=$(not_object "$dir/$f")
    if [ -n "$why" ]; then
        printf 'not-object\t%s\t%s\t\t\n' "$f" "$why" >>"$results"
        continue
    fi
    set +e
    out=$("$ork" apply --dry-run -f "$dir/$f" 2>"$tmp/err")
    rc=$?
    set -e
    if [ $rc -eq 0 ]; then
        want=?
        $have_pyyaml && want=$(count_objects "$dir/$f")
        got=$(grep -c '(dry run)$' <<<"$out" || true)
        if [ "$want" != "?" ] && [ "$got" -lt "$want" ]; then
            printf 'refused\t%s\t%s\t\t%s\n' "$f" "ork applied $got of $want objects" "ork applied $got of $want objects" >>"$results"
        else
            printf 'accepted\t%s\t\t\t\n' "$f" >>"$results"
        fi
    else
        first=$(grep -v '^warning: ' "$tmp/err" | grep -m1 . || true)
        [ -n "$first" ] || first="exit status $rc, no message"
        key=$(reason_key <<<"$first")
        # Every problem ork listed (it checks all documents before refusing).
        all=$(grep -v -e '^warning: ' -e '^error: [0-9]* problems\? in ' "$tmp/err" | grep . |
            reason_key | awk '!seen[$0]++' | paste -sd '|' - || true)
        printf 'refused\t%s\t%s\t%s\t%s\n' "$f" "$key" "$(tr '\t' ' ' <<<"$first")" "$all" >>"$results"
    fi
done

total=${#files[@]}
accepted=$(awk -F'\t' '$1=="accepted"' "$results" | wc -l)
refused=$(awk -F'\t' '$1=="refused"' "$results" | wc -l)
notobj=$(awk -F'\t' '$1=="not-object"' "$results" | wc -l)
counted=$((accepted + refused))
echo "ork: $("$ork" --version 2>/dev/null || echo "$ork")"
echo "manifest files: $total under $dir"
echo "not API objects (not counted): $notobj"
echo "namespaces created first: ${created[*]:-none}"
$have_pyyaml || echo "note: python3 with PyYAML missing; documents per file were not cross-checked"
if [ "$counted" -gt 0 ]; then
    share=$(awk -v a="$accepted" -v c="$counted" 'BEGIN { printf "%.1f", 100 * a / c }')
else
    share=0.0
fi
echo "accepted: $accepted of $counted ($share%), refused: $refused"
echo
echo "refusal reasons, by the first problem of each refused file:"
awk -F'\t' '$1=="refused" { n[$3]++ } END { for (k in n) printf "%5d  %s\n", n[k], k }' "$results" | LC_ALL=C sort -k1,1nr -k2
echo
echo "every problem, by the number of files it appears in:"
awk -F'\t' '$1=="refused" { m = split($5, a, "|"); for (i = 1; i <= m; i++) n[a[i]]++ } END { for (k in n) printf "%5d  %s\n", n[k], k }' "$results" | LC_ALL=C sort -k1,1nr -k2
if [ -n "${OUT_TSV:-}" ]; then
    cp "$results" "$OUT_TSV"
    echo
    echo "per-file results: $OUT_TSV"
fi
