#!/usr/bin/env bash
# Installs the Debian packages the tests need (real browsers, coturn, Redis,
# Mosquitto for the broker benchmark, nftables (and iproute2's tc) to cut or
# degrade one browser's network in the resilience tests, nginx to run docs/production.md's proxy configuration).
# As root it runs apt-get; otherwise it
# prints the exact command to run and fails.
set -euo pipefail
declare -A need=(
  [/usr/bin/chromium]=chromium
  [/usr/bin/firefox-esr]=firefox-esr
  [/usr/bin/turnserver]=coturn
  [/usr/bin/redis-server]=redis-server
  [/usr/sbin/mosquitto]=mosquitto
  [/usr/sbin/nft]=nftables
  [/usr/sbin/tc]=iproute2
  [/usr/sbin/nginx]=nginx
)
missing=()
for bin in "${!need[@]}"; do
  [ -x "$bin" ] || missing+=("${need[$bin]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "ensure-system: installing ${missing[*]}" >&2
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  # coturn, redis-server and nginx packages may start system services; the tests start their own on other ports.
  for svc in coturn redis-server mosquitto nginx; do
    (command -v systemctl >/dev/null && systemctl stop "$svc" 2>/dev/null) || service "$svc" stop >/dev/null 2>&1 || true
  done
else
  echo "ensure-system: missing ${missing[*]}. Run as root:" >&2
  echo "  $cmd" >&2
  exit 1
fi
