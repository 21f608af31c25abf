#!/usr/bin/env bash
# Installs what the project needs and is missing: npm dependencies (from the lockfile), the
# Temporal CLI (dev server), promtool (the alert rules' checks) and the compiled CLI in dist/. Idempotent; quick when everything is already there.
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
  log "building the Temporal CLI v$TEMPORAL_VERSION with go install (first time only, about 9 minutes on a fresh machine)…"
  mkdir -p "$TOOLS_DIR/bin"
  # go install -v names each package it compiles; a tick every $tick s shows the count and the time (one line each).
  tick="${VVTV_SETUP_TICK_SECONDS:-15}"
  golog="$TOOLS_DIR/go-install.log"
  CGO_ENABLED=0 GOBIN="$TOOLS_DIR/bin" go install -v \
    -ldflags "-X github.com/temporalio/cli/temporalcli.Version=$TEMPORAL_VERSION" \
    "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_VERSION" >"$golog" 2>&1 &
  gopid=$!
  trap 'kill "$gopid" 2>/dev/null || true' EXIT
  started=$SECONDS
  while kill -0 "$gopid" 2>/dev/null; do
    for _ in $(seq "$tick"); do kill -0 "$gopid" 2>/dev/null && sleep 1; done
    kill -0 "$gopid" 2>/dev/null || break
    downloaded=$(grep -c '^go: downloading' "$golog" || true)
    compiled=$(grep -vc '^go: ' "$golog" || true)
    elapsed=$((SECONDS - started))
    log "  … $((elapsed / 60)) min $((elapsed % 60)) s: $downloaded modules downloaded, $compiled packages compiled"
  done
  trap - EXIT
  if ! wait "$gopid"; then
    log "go install failed; the last lines of $golog:"
    tail -n 20 "$golog" >&2
    exit 1
  fi
  log "Temporal CLI ready after $(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s: $("$TOOLS_DIR/bin/temporal" --version)"
fi

# 3. promtool, for scripts/check-rules.sh and its test: from Debian's prometheus package, no service started.
bash scripts/install-promtool.sh >/dev/null

# 4. Chromium, only for the tests (`setup.sh --tests`): the HTML report's test renders the page headless.
if [ "${1:-}" = "--tests" ]; then
  bash scripts/install-chromium.sh >/dev/null
fi

# 5. The project compiled to JavaScript (dist/), which bin/vvtvctl runs; skipped when no source changed.
node scripts/build.js
