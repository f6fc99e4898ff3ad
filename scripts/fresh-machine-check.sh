#!/usr/bin/env bash
# Prove that `make test` and `make run` work on a fresh minimal Debian 12 (Python 3.11, nothing else).
#
# Builds a `debootstrap --variant=minbase bookworm` root, runs it in a chroot (with /proc, /sys, /dev)
# inside its own network and pid namespaces: there 127.0.0.1 is the namespace's own loopback, so the
# host's MariaDB and Redis are out of reach, and no host process is visible, so `make test` must
# install and start its own (and they all end with the check). Only the Debian
# mirror and PyPI are routed (NAT through a veth pair; every other address, and the host itself, is
# rejected). Inside: apt-get install python3 python3-venv make, a clean clone of this repository's
# HEAD, then `make test`, then `make run` checked with curl on http://127.0.0.1:8000/ and stopped.
# The chroot reaches the registries the way this machine does: its proxy variables, apt proxy
# settings, /etc/pip.conf and local CA certificates are copied in.
#
# Usage (as root, from a checkout; uncommitted changes are not part of the clone):
#   scripts/fresh-machine-check.sh [--keep]      --keep leaves the root folder for inspection
#   FRESH_ROOT=/var/tmp/servizo-fresh  DEBIAN_MIRROR=http://deb.debian.org/debian  (defaults)
#   FRESH_COMMIT=<rev>   checks that commit instead of HEAD (e.g. to show an earlier failure)
# Cleans up after itself (processes in the namespace, mounts, firewall rules, veth, namespace,
# the root folder) and ends with a summary; exits non-zero if any step failed.
set -euo pipefail

root=${FRESH_ROOT:-/var/tmp/servizo-fresh}
ns=servizo-fresh
veth_host=vszfresh0
veth_ns=vszfresh1
host_ip=10.207.7.1
ns_ip=10.207.7.2
chain=SERVIZO-FRESH
chroot_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# ---------------------------------------------------------------- inside the namespace
if [ "${1:-}" = --inside ]; then
  results=$root/.fresh-results
  in_root() {
    chroot "$root" /usr/bin/env -i PATH=$chroot_path HOME=/root LANG=C.UTF-8 TERM=dumb \
      DEBIAN_FRONTEND=noninteractive $FRESH_PROXY_ENV /bin/bash -c "$1"
  }
  phase() {  # phase NAME COMMAND: run COMMAND in the chroot, log its output, record rc and seconds
    local name=$1 started=$SECONDS rc=0
    echo "===== $name: $2"
    in_root "$2" 2>&1 | tee "$root/var/log/fresh-$name.log" || rc=${PIPESTATUS[0]}
    echo "$name|$rc|$((SECONDS - started))" >> "$results"
    echo "===== $name: exit $rc after $((SECONDS - started)) s"
    return "$rc"
  }
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mount --rbind /dev "$root/dev"
  mount --make-rslave "$root/dev"
  ip link set lo up
  for target in 127.0.0.1/3306 127.0.0.1/6379 "$FRESH_HOST_IP/3306"; do  # the host's services stay out of reach
    if in_root "echo > /dev/tcp/$target" 2>/dev/null; then echo "isolation: $target REACHABLE" >&2; exit 1; fi
    echo "isolation: $target unreachable from the namespace (as it must be)"
  done

  # The machine's part: python3, python3-venv, make, plus (where the host trusts local CAs, e.g. a
  # TLS-intercepting egress to the registries) ca-certificates, so those CAs are in the system bundle.
  phase provision "apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-venv make $FRESH_CA_PKG >/dev/null && python3 --version" &&
  phase make-test "cd /srv/servizo && make test"
  if [ -s "$root/srv/servizo/Makefile" ] && in_root 'test -x /srv/servizo/.venv/bin/python'; then
    # make run in its own session, so stopping it stops runserver and localstripe too.
    started=$SECONDS
    echo "===== make-run: cd /srv/servizo && make run"
    # shellcheck disable=SC2016 # $$ is the chroot's shell: setsid makes it the session leader
    in_root 'cd /srv/servizo && exec setsid sh -c "echo \$\$ > /srv/make-run.pid; exec make run"' \
      > "$root/var/log/fresh-make-run.log" 2>&1 &
    run_pid=$!
    code=000
    for _ in $(seq 1 300); do
      code=$(in_root 'curl -s -o /srv/home.html -w "%{http_code}" http://127.0.0.1:8000/' || true)
      [ "$code" = 200 ] && break
      kill -0 "$run_pid" 2>/dev/null || break
      sleep 1
    done
    rc=0
    if [ "$code" = 200 ] && grep -q "Servizo" "$root/srv/home.html"; then
      echo "GET http://127.0.0.1:8000/ -> 200, $(wc -c < "$root/srv/home.html") bytes, title: $(grep -o '<title>[^<]*' "$root/srv/home.html" | head -1 | cut -c8-)"
    else
      echo "GET http://127.0.0.1:8000/ -> $code"; rc=1
    fi
    kill -TERM -- -"$(cat "$root/srv/make-run.pid")" 2>/dev/null || true
    wait "$run_pid" 2>/dev/null || true
    cat "$root/var/log/fresh-make-run.log"
    echo "make-run|$rc|$((SECONDS - started))" >> "$results"
    echo "===== make-run: served=$([ $rc = 0 ] && echo yes || echo no), stopped after $((SECONDS - started)) s"
  fi
  for m in dev sys proc; do umount -R "$root/$m" 2>/dev/null || umount -lR "$root/$m" || true; done
  exit 0
fi

# ---------------------------------------------------------------- on the host
[ "$(id -u)" -eq 0 ] || { echo "Run as root: it uses debootstrap, chroot, ip netns and iptables." >&2; exit 2; }
[ "${1:-}" = --keep ] && keep=1 || keep=0
repo=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$repo" rev-parse "${FRESH_COMMIT:-HEAD}")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mirror_host=$(echo "$mirror" | sed -E 's#^[a-z]+://([^/:]+).*#\1#')
started_all=$SECONDS
old_forward=$(cat /proc/sys/net/ipv4/ip_forward)
setup_log=()

cleanup() {
  set +e
  local pids
  pids=$(ip netns pids "$ns" 2>/dev/null)
  if [ -n "$pids" ]; then
    echo "Stopping what still runs in the namespace (MariaDB, Redis...): $(echo $pids)"
    kill $pids 2>/dev/null; sleep 3
    pids=$(ip netns pids "$ns" 2>/dev/null); [ -n "$pids" ] && kill -9 $pids 2>/dev/null; sleep 1
  fi
  for m in dev sys proc; do mountpoint -q "$root/$m" && umount -lR "$root/$m"; done
  iptables -D INPUT -i "$veth_host" -j REJECT 2>/dev/null
  iptables -D FORWARD -i "$veth_host" -j "$chain" 2>/dev/null
  iptables -D FORWARD -o "$veth_host" -j "$chain" 2>/dev/null
  iptables -F "$chain" 2>/dev/null; iptables -X "$chain" 2>/dev/null
  iptables -t nat -D POSTROUTING -s "$ns_ip/32" -j MASQUERADE 2>/dev/null
  ip link del "$veth_host" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  echo "$old_forward" > /proc/sys/net/ipv4/ip_forward
  if [ "$keep" = 0 ] && [ -d "$root" ]; then
    if findmnt -rn -o TARGET | grep -q "^$root/"; then
      echo "NOT deleting $root: something is still mounted under it" >&2
    else
      rm -rf --one-file-system "$root"
    fi
  fi
  echo "Cleaned up: namespace $ns, veth, firewall rules, mounts$([ "$keep" = 0 ] && echo ", $root" || echo "; kept $root")."
}

summary() {
  local rc=0 line name st secs
  echo
  echo "==================== fresh-machine check: summary ===================="
  echo "commit $commit, Debian $(cat "$root/etc/debian_version" 2>/dev/null || echo '?') minbase root at $root"
  for line in "${setup_log[@]}"; do echo "  $line"; done
  if [ -f "$root/.fresh-results" ]; then
    while IFS='|' read -r name st secs; do
      printf '  %-28s %s %4d s\n' "$name" "$([ "$st" = 0 ] && echo ok || echo "FAILED (exit $st)")" "$secs"
      [ "$st" = 0 ] || rc=1
    done < "$root/.fresh-results"
    grep -q '^make-run|' "$root/.fresh-results" || { printf '  %-28s not run\n' make-run; rc=1; }
  else
    echo "  the chroot steps did not run"; rc=1
  fi
  if [ -f "$root/var/log/fresh-make-test.log" ]; then
    echo "  pytest: $(grep -E '[0-9]+ (passed|failed).* in [0-9.]+s' "$root/var/log/fresh-make-test.log" | tail -2 | tr -d '=' | paste -sd ';')"
  fi
  echo "  total $((SECONDS - started_all)) s: $([ $rc = 0 ] && echo PASS || echo FAIL)"
  echo "======================================================================"
  return $rc
}

timed() {  # timed LABEL COMMAND...: a host-side setup step
  local label=$1 t=$SECONDS; shift
  echo "----- $label"
  "$@" || { echo "setup step '$label' failed" >&2; return 1; }
  setup_log+=("$(printf '%-28s ok %4d s' "$label" $((SECONDS - t)))")
}

if [ -e "$root" ]; then echo "$root exists: remove it or set FRESH_ROOT" >&2; exit 2; fi
ip netns list | grep -qw "$ns" && { echo "namespace $ns exists: another run?" >&2; exit 2; }
[ -n "${FRESH_COMMIT:-}" ] || [ -z "$(git -C "$repo" status --porcelain)" ] || echo "warning: uncommitted changes in $repo are not checked (cloning $commit)"
trap 'rc=$?; cleanup; exit $rc' EXIT
trap 'exit 130' INT TERM

host_tools() {
  local need=()
  command -v debootstrap >/dev/null || need+=(debootstrap)
  command -v iptables >/dev/null || need+=(iptables)
  [ ${#need[@]} = 0 ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; }
}
timed "host tools" host_tools
timed "debootstrap minbase" debootstrap --variant=minbase bookworm "$root" "$mirror"

configure_root() {
  # Debian's updates and security suites, from the same mirror host as the host's own.
  cat > "$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
  # How this machine reaches the registries: proxies, apt proxy settings, pip.conf, local CAs.
  local proxy_env="" var
  for var in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY PIP_INDEX_URL PIP_CERT PIP_DEFAULT_TIMEOUT; do
    [ -n "${!var:-}" ] && proxy_env+=" $var=${!var}"
  done
  echo "$proxy_env" > "$root/.fresh-env"
  apt-config dump | grep -iE '^Acquire::(https?::)?Proxy' > "$root/etc/apt/apt.conf.d/90host-proxy" || rm -f "$root/etc/apt/apt.conf.d/90host-proxy"
  [ -f /etc/pip.conf ] && cp /etc/pip.conf "$root/etc/pip.conf"
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
  # Name resolution: only the registries, pinned to what the host resolves (no DNS in the namespace).
  local hosts=("$mirror_host" pypi.org files.pythonhosted.org) url h ip
  for url in "${http_proxy:-}" "${https_proxy:-}" "${HTTP_PROXY:-}" "${HTTPS_PROXY:-}"; do
    [ -n "$url" ] && hosts+=("$(echo "$url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/:]+).*#\2#')")
  done
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n' > "$root/etc/hosts"
  allowed_ips=()
  for h in "${hosts[@]}"; do
    ip=$(getent ahostsv4 "$h" | awk 'NR==1 {print $1}')
    [ -n "$ip" ] || { echo "cannot resolve $h" >&2; return 1; }
    printf '%s\t%s\n' "$ip" "$h" >> "$root/etc/hosts"
    allowed_ips+=("$ip")
  done
  echo "nameserver 127.0.0.1" > "$root/etc/resolv.conf"
  echo "Registries (pinned in the chroot's /etc/hosts):"; grep -v localhost "$root/etc/hosts" | sed 's/^/  /'
  mkdir -p "$root/srv" "$root/var/log"
  git clone -q --no-local "$repo" "$root/srv/servizo"
  git -C "$root/srv/servizo" checkout -q "$commit"
}
timed "configure root + clone" configure_root

network() {
  ip netns add "$ns"
  ip link add "$veth_host" type veth peer name "$veth_ns"
  ip link set "$veth_ns" netns "$ns"
  ip addr add "$host_ip/30" dev "$veth_host"
  ip link set "$veth_host" up
  ip netns exec "$ns" ip addr add "$ns_ip/30" dev "$veth_ns"
  ip netns exec "$ns" ip link set "$veth_ns" up
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" ip route add default via "$host_ip"
  echo 1 > /proc/sys/net/ipv4/ip_forward
  iptables -N "$chain"
  iptables -A "$chain" -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  local ip
  for ip in $(printf '%s\n' "${allowed_ips[@]}" | sort -u); do
    iptables -A "$chain" -i "$veth_host" -d "$ip" -p tcp -m multiport --dports 80,443 -j ACCEPT
  done
  iptables -A "$chain" -j REJECT
  iptables -I FORWARD 1 -i "$veth_host" -j "$chain"
  iptables -I FORWARD 1 -o "$veth_host" -j "$chain"
  iptables -I INPUT 1 -i "$veth_host" -j REJECT  # the host itself is out of reach
  iptables -t nat -A POSTROUTING -s "$ns_ip/32" -j MASQUERADE
}
timed "network namespace" network

set +e
ca_pkg=""; [ -n "$(ls -A "$root/usr/local/share/ca-certificates")" ] && ca_pkg=ca-certificates
FRESH_PROXY_ENV=$(cat "$root/.fresh-env") FRESH_CA_PKG=$ca_pkg FRESH_ROOT=$root FRESH_HOST_IP=$host_ip ip netns exec "$ns" \
  unshare --pid --fork --kill-child bash "$(readlink -f "$0")" --inside
set -e
summary
