#!/usr/bin/env bash
# A real Temporal cluster on this machine: the Temporal server v1.29.1 (frontend, history, matching,
# worker services in one process) on PostgreSQL 15, what `npm run test:cluster` and the cluster
# bench run against. Not the dev server: persistence and visibility live in PostgreSQL, migrated
# with temporal-sql-tool from the server module's own schema files.
#
#   scripts/cluster.sh up [--tls]    build what is missing, start PostgreSQL and the server, print the address
#   scripts/cluster.sh down          stop the server and PostgreSQL (the data folder stays; --purge removes it)
#   scripts/cluster.sh status        what runs, where (exit 1 when the cluster is not up)
#   scripts/cluster.sh stop-server   stop only the Temporal server (PostgreSQL keeps the state)
#   scripts/cluster.sh start-server  start it again on the same ports and database
#   scripts/cluster.sh build         only build temporal-server and temporal-sql-tool
#
# VVTV_CLUSTER_DIR: the run folder (default /tmp/vvtv-cluster); cluster.env there holds the
# address and ports. Nothing is downloaded at run time beyond Debian packages and Go modules.
#
# `up --tls` (or VVTV_CLUSTER_TLS=1 at the first `up`): mutual TLS. openssl makes a private CA, a
# server certificate (temporal.vvtv.test, localhost, 127.0.0.1) and a client certificate in
# $RUN/tls/; the frontend and the internode traffic require a client certificate signed by that
# CA. cluster.env then lists the files as TEMPORAL_TLS_CA/_CERT/_KEY/_SERVER_NAME (the names the
# worker host and the temporal CLI read), and every CLI call of this script passes them.
set -euo pipefail
cd "$(dirname "$0")/.."

SERVER_VERSION=1.29.1
TOOLS_DIR="${VVTV_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vvtv-autopilot/tools}"
RUN="${VVTV_CLUSTER_DIR:-/tmp/vvtv-cluster}"
PG_BIN=/usr/lib/postgresql/15/bin
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
SEARCH_ATTRIBUTES=(VvtvChannel VvtvOutcome VvtvState)
TLS_SERVER_NAME=temporal.vvtv.test

log() { printf '[cluster] %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# Runs a command as the postgres user: PostgreSQL refuses to run as root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# ---------------------------------------------------------------------------------------------
# Build: go install of the server and its SQL tool, cached in the tools folder (like the CLI).
build() {
  local bin="$TOOLS_DIR/bin"
  if [ -x "$bin/temporal-server" ] && [ -x "$bin/temporal-sql-tool" ] &&
    [ "$(cat "$bin/.temporal-server-version" 2>/dev/null)" = "$SERVER_VERSION" ]; then
    return
  fi
  command -v go >/dev/null 2>&1 || die "Go is needed to build the Temporal server"
  log "building the Temporal server v$SERVER_VERSION and temporal-sql-tool with go install (first time only, about 7–10 minutes on 2 cores)…"
  mkdir -p "$bin"
  local gobin="$TOOLS_DIR/go-build-server" golog="$TOOLS_DIR/go-install-server.log"
  rm -rf "$gobin" && mkdir -p "$gobin"
  CGO_ENABLED=0 GOBIN="$gobin" GOFLAGS=-buildvcs=false go install -v \
    "go.temporal.io/server/cmd/server@v$SERVER_VERSION" \
    "go.temporal.io/server/cmd/tools/sql@v$SERVER_VERSION" >"$golog" 2>&1 &
  local gopid=$! started=$SECONDS tick="${VVTV_SETUP_TICK_SECONDS:-15}"
  trap 'kill "$gopid" 2>/dev/null || true' EXIT
  while kill -0 "$gopid" 2>/dev/null; do
    for _ in $(seq "$tick"); do kill -0 "$gopid" 2>/dev/null && sleep 1; done
    kill -0 "$gopid" 2>/dev/null || break
    local elapsed=$((SECONDS - started))
    log "  … $((elapsed / 60)) min $((elapsed % 60)) s: $(grep -c '^go: downloading' "$golog" || true) modules downloaded, $(grep -vc '^go: ' "$golog" || true) packages compiled"
  done
  trap - EXIT
  if ! wait "$gopid"; then
    log "go install failed; the last lines of $golog:"
    tail -n 20 "$golog" >&2
    exit 1
  fi
  mv "$gobin/server" "$bin/temporal-server"
  mv "$gobin/sql" "$bin/temporal-sql-tool"
  rmdir "$gobin"
  echo "$SERVER_VERSION" >"$bin/.temporal-server-version"
  log "server built after $(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s: $("$bin/temporal-server" --version)"
}

# The Temporal CLI for namespace and search-attribute commands (scripts/setup.sh builds it).
temporal_cli() {
  if [ -n "${TEMPORAL_CLI:-}" ]; then echo "$TEMPORAL_CLI"; elif command -v temporal >/dev/null 2>&1; then command -v temporal; elif [ -x "$TOOLS_DIR/bin/temporal" ]; then echo "$TOOLS_DIR/bin/temporal"; else die "the Temporal CLI is missing: run scripts/setup.sh"; fi
}

# The CLI against this cluster: its address, and the client certificate when it runs with TLS.
tcli() {
  local cli tls=()
  cli=$(temporal_cli)
  if [ "${CLUSTER_TLS:-0}" = 1 ]; then
    tls=(--tls-ca-path "$TEMPORAL_TLS_CA" --tls-cert-path "$TEMPORAL_TLS_CERT" --tls-key-path "$TEMPORAL_TLS_KEY"
      --tls-server-name "$TEMPORAL_TLS_SERVER_NAME")
  fi
  "$cli" "$@" --address "$TEMPORAL_ADDRESS" "${tls[@]}"
}

# A private CA, the server's certificate (also its internode client certificate, so both usages)
# and a client certificate; EC P-256, valid one year. Made once per run folder.
make_certs() {
  local dir="$RUN/tls" name cn
  [ -f "$dir/client.pem" ] && return
  command -v openssl >/dev/null 2>&1 || die "openssl is needed for --tls (Debian's openssl package)"
  mkdir -p "$dir"
  printf '%s\n' '[req]' 'distinguished_name = dn' 'prompt = no' '[dn]' 'CN = unused' \
    '[ca]' 'basicConstraints = critical, CA:TRUE' 'keyUsage = critical, keyCertSign, cRLSign' 'subjectKeyIdentifier = hash' \
    '[server]' 'basicConstraints = critical, CA:FALSE' 'keyUsage = critical, digitalSignature' \
    'extendedKeyUsage = serverAuth, clientAuth' "subjectAltName = DNS:$TLS_SERVER_NAME, DNS:localhost, IP:127.0.0.1" \
    'subjectKeyIdentifier = hash' 'authorityKeyIdentifier = keyid' \
    '[client]' 'basicConstraints = critical, CA:FALSE' 'keyUsage = critical, digitalSignature' 'extendedKeyUsage = clientAuth' \
    'subjectKeyIdentifier = hash' 'authorityKeyIdentifier = keyid' >"$dir/openssl.cnf"
  for name in ca server client; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$name.key" 2>>"$dir/openssl.log"
  done
  openssl req -new -x509 -config "$dir/openssl.cnf" -extensions ca -key "$dir/ca.key" -subj "/CN=VVTV cluster test CA" \
    -days 365 -sha256 -out "$dir/ca.pem" 2>>"$dir/openssl.log" || die "openssl: the CA failed ($dir/openssl.log)"
  for name in server client; do
    cn=$TLS_SERVER_NAME
    [ "$name" = client ] && cn=vvtv-autopilot
    openssl req -new -config "$dir/openssl.cnf" -key "$dir/$name.key" -subj "/CN=$cn" -out "$dir/$name.csr" 2>>"$dir/openssl.log" &&
      openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 365 -sha256 \
        -extfile "$dir/openssl.cnf" -extensions "$name" -out "$dir/$name.pem" 2>>"$dir/openssl.log" ||
      die "openssl: the $name certificate failed ($dir/openssl.log)"
    rm -f "$dir/$name.csr"
  done
  chmod 600 "$dir"/*.key
  log "TLS: a private CA, the server and the client certificates in $dir"
}

ensure_postgres() {
  [ -x "$PG_BIN/pg_ctl" ] && return
  log "installing PostgreSQL 15 (Debian's postgresql package)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q postgresql >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null; }
  [ -x "$PG_BIN/pg_ctl" ] || die "PostgreSQL 15 not found in $PG_BIN after installing the postgresql package"
}

# N free TCP ports on 127.0.0.1, held open together so they are distinct. Drawn from 20000–32767:
# the server stores membership ports in a PostgreSQL smallint.
free_ports() {
  node -e '
    const net = require("net"); const n = Number(process.argv[1]); const held = [];
    const tryPort = (p) => new Promise((r) => { const v = net.createServer(); v.once("error", () => r(null)); v.listen(p, "127.0.0.1", () => r(v)); });
    (async () => { for (let tries = 0; held.length < n && tries < 1000; tries++) { const v = await tryPort(20000 + Math.floor(Math.random() * 12767)); if (v) held.push(v); }
      if (held.length < n) { console.error("no free ports"); process.exit(1); }
      console.log(held.map((v) => v.address().port).join(" ")); held.forEach((v) => v.close()); })();' "$1"
}

load_env() {
  [ -f "$RUN/cluster.env" ] || return 1
  # shellcheck disable=SC1091
  . "$RUN/cluster.env"
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
server_pid() { cat "$RUN/server.pid" 2>/dev/null || true; }
pg_running() { as_pg "$PG_BIN/pg_ctl" -D "$RUN/pg" status >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------
write_server_config() {
  mkdir -p "$RUN/config"
  local store
  {
    echo "# Written by scripts/cluster.sh: one node, all four services, PostgreSQL 15 (postgres12 plugin)."
    echo "log: { stdout: true, level: warn }"
    echo "persistence:"
    echo "  defaultStore: pg-default"
    echo "  visibilityStore: pg-visibility"
    echo "  numHistoryShards: 4"
    echo "  datastores:"
    for store in default:temporal visibility:temporal_visibility; do
      echo "    pg-${store%%:*}:"
      echo "      sql: { pluginName: postgres12, databaseName: ${store#*:}, connectAddr: \"127.0.0.1:$PG_PORT\", connectProtocol: tcp, user: temporal, password: temporal, maxConns: 20, maxIdleConns: 20, maxConnLifetime: 1h }"
    done
    echo "global:"
    echo "  membership: { maxJoinDuration: 30s, broadcastAddress: 127.0.0.1 }"
    echo "  metrics: { prometheus: { framework: tally, timerType: histogram, listenAddress: \"127.0.0.1:$METRICS_PORT\" } }"
    if [ "${CLUSTER_TLS:-0}" = 1 ]; then
      # mTLS on the frontend (SDK clients, the CLI) and between the services (gRPC and membership);
      # the system worker reaches the frontend with the client certificate.
      local server="{ certFile: \"$TEMPORAL_TLS_SERVER_CERT\", keyFile: \"$TEMPORAL_TLS_SERVER_KEY\", requireClientAuth: true, clientCaFiles: [\"$TEMPORAL_TLS_CA\"] }"
      local client="{ serverName: $TEMPORAL_TLS_SERVER_NAME, rootCaFiles: [\"$TEMPORAL_TLS_CA\"] }"
      echo "  tls:"
      echo "    internode: { server: $server, client: $client }"
      echo "    frontend: { server: $server, client: $client }"
      echo "    systemWorker: { certFile: \"$TEMPORAL_TLS_CERT\", keyFile: \"$TEMPORAL_TLS_KEY\", client: $client }"
    fi
    echo "services:"
    echo "  frontend: { rpc: { grpcPort: $FRONTEND_PORT, membershipPort: $FRONTEND_MEMBERSHIP_PORT, httpPort: $FRONTEND_HTTP_PORT, bindOnLocalHost: true } }"
    echo "  history: { rpc: { grpcPort: $HISTORY_PORT, membershipPort: $HISTORY_MEMBERSHIP_PORT, bindOnLocalHost: true } }"
    echo "  matching: { rpc: { grpcPort: $MATCHING_PORT, membershipPort: $MATCHING_MEMBERSHIP_PORT, bindOnLocalHost: true } }"
    echo "  worker: { rpc: { grpcPort: $WORKER_PORT, membershipPort: $WORKER_MEMBERSHIP_PORT, bindOnLocalHost: true } }"
    echo "clusterMetadata:"
    echo "  enableGlobalNamespace: false"
    echo "  failoverVersionIncrement: 10"
    echo "  masterClusterName: active"
    echo "  currentClusterName: active"
    echo "  clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: frontend, rpcAddress: \"127.0.0.1:$FRONTEND_PORT\" } }"
    echo "dcRedirectionPolicy: { policy: noop }"
    echo "dynamicConfigClient: { filepath: \"$RUN/config/dynamicconfig.yaml\", pollInterval: 10s }"
  } >"$RUN/config/cluster.yaml"
  {
    echo "# Search attributes added through the operator service are usable at once."
    echo "system.forceSearchAttributesCacheRefreshOnRead: [{ value: true, constraints: {} }]"
    echo "frontend.enableUpdateWorkflowExecution: [{ value: true }]"
  } >"$RUN/config/dynamicconfig.yaml"
}

start_server() {
  load_env || die "no cluster in $RUN: run scripts/cluster.sh up"
  alive "$(server_pid)" && return
  local bin="$TOOLS_DIR/bin"
  (cd "$RUN" && exec setsid "$bin/temporal-server" --root "$RUN" --config config --env cluster --allow-no-auth start >>"$RUN/server.log" 2>&1) &
  echo $! >"$RUN/server.pid"
  local deadline=$((SECONDS + ${VVTV_CLUSTER_READY_SECONDS:-120}))
  until tcli operator cluster health 2>/dev/null | grep -q SERVING; do
    alive "$(server_pid)" || { tail -n 20 "$RUN/server.log" >&2; die "the Temporal server exited; its log: $RUN/server.log"; }
    [ $SECONDS -lt $deadline ] || die "the Temporal server did not become ready within ${VVTV_CLUSTER_READY_SECONDS:-120} s; its log: $RUN/server.log"
    sleep 1
  done
}

stop_server() {
  local pid
  pid=$(server_pid)
  if alive "$pid"; then
    kill -TERM "$pid"
    for _ in $(seq 30); do alive "$pid" || break; sleep 1; done
    alive "$pid" && kill -KILL "$pid"
  fi
  rm -f "$RUN/server.pid"
}

up() {
  local tls=${VVTV_CLUSTER_TLS:-0}
  case "${1:-}" in --tls) tls=1 ;; "") ;; *) die "up: unknown option $1 (expected --tls)" ;; esac
  [ "$tls" = 1 ] || [ "$tls" = 0 ] || die "VVTV_CLUSTER_TLS: expected 0 or 1, got $tls"
  build
  ensure_postgres
  mkdir -p "$RUN"
  chmod 755 "$RUN" # the postgres user must reach its data folder inside
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$RUN"; then
    die "the postgres user cannot reach $RUN (a parent folder is not searchable): choose another VVTV_CLUSTER_DIR"
  fi
  if ! load_env; then
    read -r PG_PORT FRONTEND_PORT FRONTEND_HTTP_PORT FRONTEND_MEMBERSHIP_PORT HISTORY_PORT HISTORY_MEMBERSHIP_PORT \
      MATCHING_PORT MATCHING_MEMBERSHIP_PORT WORKER_PORT WORKER_MEMBERSHIP_PORT METRICS_PORT <<<"$(free_ports 11)"
    TEMPORAL_ADDRESS="127.0.0.1:$FRONTEND_PORT"
    CLUSTER_TLS=$tls
    local vars=(PG_PORT FRONTEND_PORT FRONTEND_HTTP_PORT FRONTEND_MEMBERSHIP_PORT HISTORY_PORT HISTORY_MEMBERSHIP_PORT
      MATCHING_PORT MATCHING_MEMBERSHIP_PORT WORKER_PORT WORKER_MEMBERSHIP_PORT METRICS_PORT TEMPORAL_ADDRESS CLUSTER_TLS)
    if [ "$tls" = 1 ]; then
      make_certs
      TEMPORAL_TLS_CA="$RUN/tls/ca.pem" TEMPORAL_TLS_CERT="$RUN/tls/client.pem" TEMPORAL_TLS_KEY="$RUN/tls/client.key"
      TEMPORAL_TLS_SERVER_NAME=$TLS_SERVER_NAME TEMPORAL_TLS_SERVER_CERT="$RUN/tls/server.pem" TEMPORAL_TLS_SERVER_KEY="$RUN/tls/server.key"
      vars+=(TEMPORAL_TLS_CA TEMPORAL_TLS_CERT TEMPORAL_TLS_KEY TEMPORAL_TLS_SERVER_NAME TEMPORAL_TLS_SERVER_CERT TEMPORAL_TLS_SERVER_KEY)
    fi
    for v in "${vars[@]}"; do echo "$v=${!v}"; done >"$RUN/cluster.env"
  fi
  load_env
  # The run folder decides; an explicit request for the other mode is refused, not ignored.
  if [ -n "${VVTV_CLUSTER_TLS:-}${1:-}" ] && [ "${CLUSTER_TLS:-0}" != "$tls" ]; then
    die "$RUN was set up with CLUSTER_TLS=${CLUSTER_TLS:-0}: bring it up the same way, or choose another VVTV_CLUSTER_DIR"
  fi
  # PostgreSQL: a data folder of our own, loopback only, trust auth for the local temporal role.
  if [ ! -f "$RUN/pg/PG_VERSION" ]; then
    log "initialising PostgreSQL in $RUN/pg…"
    mkdir -p "$RUN/pg" "$RUN/pg-socket"
    [ "$(id -u)" = 0 ] && chown postgres: "$RUN/pg" "$RUN/pg-socket"
    as_pg "$PG_BIN/initdb" -D "$RUN/pg" -U temporal --auth=trust -E UTF8 >"$RUN/initdb.log" 2>&1 || { cat "$RUN/initdb.log" >&2; die "initdb failed"; }
  fi
  if ! pg_running; then
    as_pg "$PG_BIN/pg_ctl" -D "$RUN/pg" -l "$RUN/pg/postgres.log" -w -t 60 \
      -o "-p $PG_PORT -h 127.0.0.1 -k $RUN/pg-socket -c max_connections=200 -c fsync=on" start >/dev/null
  fi
  log "PostgreSQL 15 on 127.0.0.1:$PG_PORT"
  # Schemas: created once, then migrated to the versions this server needs (update-schema is idempotent).
  local sqltool="$TOOLS_DIR/bin/temporal-sql-tool" schema
  schema="$(go env GOMODCACHE)/go.temporal.io/server@v$SERVER_VERSION/schema/postgresql/v12"
  [ -d "$schema" ] || die "schema files not found at $schema (the go install above puts the server module there)"
  for db in temporal:temporal temporal_visibility:visibility; do
    local name=${db%%:*} dir=${db#*:}
    local sql=("$sqltool" --ep 127.0.0.1 -p "$PG_PORT" -u temporal --pl postgres12 --db "$name")
    if ! as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U temporal -d postgres -Atc "select 1 from pg_database where datname='$name'" | grep -q 1; then
      "${sql[@]}" create-database >>"$RUN/schema.log" 2>&1 || { tail "$RUN/schema.log" >&2; die "creating database $name failed"; }
      "${sql[@]}" setup-schema -v 0.0 >>"$RUN/schema.log" 2>&1 || { tail "$RUN/schema.log" >&2; die "setup-schema on $name failed"; }
    fi
    "${sql[@]}" update-schema -d "$schema/$dir/versioned" >>"$RUN/schema.log" 2>&1 || { tail "$RUN/schema.log" >&2; die "update-schema on $name failed"; }
  done
  log "schemas migrated (persistence: temporal, visibility: temporal_visibility)"
  write_server_config
  start_server
  # The namespace and the search attributes (a worker host would add the attributes too).
  if ! tcli operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
    tcli operator namespace create --namespace "$NAMESPACE" --retention 72h >/dev/null
  fi
  # A namespace just created reaches the frontend's cache within seconds: retry until listed.
  local deadline=$((SECONDS + 60))
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do
    until tcli operator search-attribute list --namespace "$NAMESPACE" 2>/dev/null | grep -qw "$sa"; do
      [ $SECONDS -lt $deadline ] || die "search attribute $sa could not be registered in namespace $NAMESPACE"
      tcli operator search-attribute create --namespace "$NAMESPACE" --name "$sa" --type Keyword >/dev/null 2>&1 || sleep 1
    done
  done
  log "Temporal server v$SERVER_VERSION ready at $TEMPORAL_ADDRESS (namespace $NAMESPACE$([ "${CLUSTER_TLS:-0}" = 1 ] && echo "; mTLS, certificates in $RUN/tls, server name $TEMPORAL_TLS_SERVER_NAME"); log $RUN/server.log)"
  echo "$TEMPORAL_ADDRESS"
}

down() {
  stop_server
  if [ -f "$RUN/pg/PG_VERSION" ] && pg_running; then as_pg "$PG_BIN/pg_ctl" -D "$RUN/pg" -m fast -w stop >/dev/null; fi
  if [ "${1:-}" = "--purge" ]; then rm -rf "$RUN"; fi
  log "stopped"
}

status() {
  load_env || {
    echo "cluster: not set up in $RUN"
    return 1
  }
  local ok=0 pid
  pid=$(server_pid)
  if pg_running; then echo "postgresql: running on 127.0.0.1:$PG_PORT (data $RUN/pg)"; else echo "postgresql: stopped" && ok=1; fi
  if alive "$pid" && tcli operator cluster health 2>/dev/null | grep -q SERVING; then
    echo "temporal: serving at $TEMPORAL_ADDRESS (pid $pid, v$SERVER_VERSION$([ "${CLUSTER_TLS:-0}" = 1 ] && echo ", mTLS: $RUN/tls"))"
  else
    echo "temporal: not serving" && ok=1
  fi
  return $ok
}

case "${1:-}" in
  up) up "${2:-}" ;;
  down) down "${2:-}" ;;
  status) status ;;
  stop-server) stop_server ;;
  start-server) start_server && echo "$TEMPORAL_ADDRESS" ;;
  build) build ;;
  *) die "usage: scripts/cluster.sh up [--tls]|down [--purge]|status|stop-server|start-server|build" ;;
esac
