#!/usr/bin/env bash
# Checks the Prometheus alert rules and runs their unit tests with promtool (installed when missing).
# Usage: scripts/check-rules.sh [RULES_FILE [TESTS_FILE]]  (default: deploy/prometheus/alerts.yml and alerts.test.yml)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rules="${1:-$here/../deploy/prometheus/alerts.yml}"
tests="${2:-$(dirname "$rules")/alerts.test.yml}"

promtool=$(bash "$here/install-promtool.sh")
"$promtool" check rules "$rules"
"$promtool" test rules "$tests"
