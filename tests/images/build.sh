#!/usr/bin/env bash
# Builds the test image ork-test/busybox:latest without a registry:
# FROM scratch plus the static busybox of Debian's busybox-static package
# (installed when missing). Busybox gives sh, httpd, nc, sleep and friends.
set -euo pipefail
tag="${1:-ork-test/busybox:latest}"

bb=""
for c in /bin/busybox /usr/bin/busybox; do
  if [ -x "$c" ] && ! ldd "$c" >/dev/null 2>&1; then bb="$c"; break; fi
done
if [ -z "$bb" ]; then
  echo "installing busybox-static" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
  bb=/bin/busybox
fi

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/tmp" "$ctx/rootfs/www" "$ctx/rootfs/etc"
cp "$bb" "$ctx/rootfs/bin/busybox"
for app in $("$bb" --list); do
  [ "$app" = busybox ] || ln -sf busybox "$ctx/rootfs/bin/$app"
done
echo 'root:x:0:0:root:/:/bin/sh' > "$ctx/rootfs/etc/passwd"
echo 'root:x:0:' > "$ctx/rootfs/etc/group"
echo 'hello from ork-test/busybox' > "$ctx/rootfs/www/index.html"
cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
ENV PATH=/bin
CMD ["sh"]
DOCKERFILE
docker build -q -t "$tag" "$ctx" >/dev/null
echo "built $tag"
