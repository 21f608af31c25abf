#!/usr/bin/env bash
# Prints the path of a working promtool, installing it first when missing: $PROMTOOL wins, then a
# `promtool` on PATH, then our own copy in the tools folder. Our copy is extracted from Debian's
# `prometheus` package (apt-get download + dpkg -x), so no Prometheus service is installed or started.
# Progress goes to stderr; stdout carries only the path.
set -euo pipefail

TOOLS_DIR="${VVTV_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vvtv-autopilot/tools}"
OWN="$TOOLS_DIR/bin/promtool"

log() { printf '[promtool] %s\n' "$*" >&2; }
works() { "$1" --version >/dev/null 2>&1; }

if [ -n "${PROMTOOL:-}" ]; then
  works "$PROMTOOL" || { log "PROMTOOL=$PROMTOOL does not run"; exit 1; }
  echo "$PROMTOOL"
  exit 0
fi
if command -v promtool >/dev/null 2>&1 && works "$(command -v promtool)"; then
  command -v promtool
  exit 0
fi
if [ -x "$OWN" ] && works "$OWN"; then
  echo "$OWN"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || { log "promtool is missing and apt-get is not available: install promtool or set PROMTOOL"; exit 1; }
mkdir -p "$TOOLS_DIR/bin"
# One installer at a time (setup.sh and a test may both ask).
exec 9>"$TOOLS_DIR/promtool.lock"
flock 9
if [ -x "$OWN" ] && works "$OWN"; then
  echo "$OWN"
  exit 0
fi

started=$SECONDS
log "installing promtool from Debian's prometheus package into $TOOLS_DIR (first time only, a few seconds)…"
if ! apt-cache show prometheus >/dev/null 2>&1; then
  log "  … apt-get update (the package lists do not know prometheus yet)"
  apt-get update -qq >&2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Root downloads into a private temp folder, which apt's sandbox user could not write to.
(cd "$work" && apt-get download -qq -o APT::Sandbox::User=root prometheus >&2)
deb=$(ls "$work"/prometheus_*.deb)
log "  … extracting $(basename "$deb")"
dpkg -x "$deb" "$work/root"
install -m 755 "$work/root/usr/bin/promtool" "$OWN.tmp"
mv -f "$OWN.tmp" "$OWN"
works "$OWN" || { log "the extracted promtool does not run"; exit 1; }
log "promtool ready after $((SECONDS - started)) s: $("$OWN" --version 2>&1 | head -n 1)"
echo "$OWN"
