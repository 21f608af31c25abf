#!/usr/bin/env bash
# Prints the path of a working headless Chromium, installing Debian's `chromium` package first when
# missing (the HTML report's test renders the page in it). $CHROMIUM wins, then `chromium` or
# `chromium-browser` on PATH, then `apt-get install -y chromium`. Nothing is downloaded by npm.
# Progress goes to stderr (apt's own lines and an elapsed-time tick); stdout carries only the path.
set -euo pipefail

log() { printf '[chromium] %s\n' "$*" >&2; }
works() { "$1" --headless --version >/dev/null 2>&1 || "$1" --version >/dev/null 2>&1; }
found() {
  for c in chromium chromium-browser; do
    if command -v "$c" >/dev/null 2>&1 && works "$(command -v "$c")"; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

if [ -n "${CHROMIUM:-}" ]; then
  works "$CHROMIUM" || { log "CHROMIUM=$CHROMIUM does not run"; exit 1; }
  echo "$CHROMIUM"
  exit 0
fi
found && exit 0

command -v apt-get >/dev/null 2>&1 || { log "chromium is missing and apt-get is not available: install chromium or set CHROMIUM"; exit 1; }
[ "$(id -u)" = 0 ] || { log "chromium is missing: run \`sudo apt-get install -y chromium\` (or set CHROMIUM)"; exit 1; }
# One installer at a time (setup.sh and a test may both ask).
lockdir="${VVTV_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vvtv-autopilot/tools}"
mkdir -p "$lockdir"
exec 9>"$lockdir/chromium.lock"
flock 9
found && exit 0

started=$SECONDS
log "installing Debian's chromium package with apt-get (first time only, about a minute)…"
if ! apt-cache show chromium >/dev/null 2>&1; then
  log "  … apt-get update (the package lists do not know chromium yet)"
  apt-get update -qq >&2
fi
tick="${VVTV_SETUP_TICK_SECONDS:-15}"
( while sleep "$tick"; do log "  … $((SECONDS - started)) s"; done ) &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 chromium >&2
kill "$ticker" 2>/dev/null || true
path=$(found) || { log "chromium was installed but does not run"; exit 1; }
log "chromium ready after $((SECONDS - started)) s: $("$path" --version 2>/dev/null | head -n 1)"
echo "$path"
