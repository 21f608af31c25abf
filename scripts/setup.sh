#!/usr/bin/env bash
# Installs what the project needs and is missing: npm dependencies (from the lockfile) and the
# Temporal CLI (dev server). Idempotent; quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_VERSION=1.5.1
# User-level by default, so every clone on this machine shares one build of the CLI.
TOOLS_DIR="${VVTV_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vvtv-autopilot/tools}"

log() { printf '[setup] %s\n' "$*" >&2; }

# 1. npm dependencies: reinstall only when the lockfile changed since the last install.
stamp=node_modules/.vvtv-lock-sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing npm dependencies (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# 2. Temporal CLI: TEMPORAL_CLI wins, then a `temporal` on PATH, then our own build.
if [ -n "${TEMPORAL_CLI:-}" ]; then
  [ -x "$TEMPORAL_CLI" ] || { log "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file"; exit 1; }
elif command -v temporal >/dev/null 2>&1; then
  :
elif [ -x "$TOOLS_DIR/bin/temporal" ] && "$TOOLS_DIR/bin/temporal" --version 2>/dev/null | grep -q "$TEMPORAL_VERSION"; then
  :
else
  command -v go >/dev/null 2>&1 || { log "Go is needed to build the Temporal CLI (or set TEMPORAL_CLI)"; exit 1; }
  log "building the Temporal CLI v$TEMPORAL_VERSION with go install (first time only, ~3-5 min)…"
  mkdir -p "$TOOLS_DIR/bin"
  CGO_ENABLED=0 GOBIN="$TOOLS_DIR/bin" go install \
    -ldflags "-X github.com/temporalio/cli/temporalcli.Version=$TEMPORAL_VERSION" \
    "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_VERSION"
  log "Temporal CLI ready: $("$TOOLS_DIR/bin/temporal" --version)"
fi
