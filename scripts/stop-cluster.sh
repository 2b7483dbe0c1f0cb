#!/usr/bin/env bash
# Stops the nodes this folder's scripts started, gracefully (SIGTERM, then wait).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  -h|--help)
    cat <<USAGE
Usage: scripts/stop-cluster.sh [CONFIG]

Sends SIGTERM to every node of CONFIG (default: cluster-config/local-3node.json) that
scripts/start-cluster.sh started (by pid file), waits up to 30 s for each to drain and close
its storage, and reports any that did not stop. Safe to run twice.
USAGE
    exit 0 ;;
esac

at_most 1 "$@"
CONFIG="$(resolve_config "${1:-}")"
RUN="$(run_dir "$CONFIG")"
[ -d "$RUN" ] || { echo "nothing to stop: no run directory $RUN"; exit 0; }

stuck=0
found=0
for pidfile in "$RUN"/*.pid; do
  [ -e "$pidfile" ] || continue
  name="$(basename "$pidfile" .pid)"
  found=1
  pid="$(node_pid "$RUN" "$name")"
  if [ -z "$pid" ]; then
    echo "node $name: not running"
    rm -f "$pidfile"
    continue
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "node $name (pid $pid) did not stop within 30 s; see $RUN/$name.log" >&2
    stuck=1
  else
    echo "node $name stopped"
    rm -f "$pidfile"
  fi
done
[ "$found" = 1 ] || echo "nothing to stop: no node of $(basename "$CONFIG") was started from $RUN"
exit $stuck
