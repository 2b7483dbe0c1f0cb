#!/usr/bin/env bash
# Starts one node again (after kill-node.sh or a crash), or restarts it gracefully if it runs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  cat <<USAGE
Usage: scripts/restart-node.sh NODE [CONFIG]

Restarts node NODE of CONFIG (default: cluster-config/local-3node.json): a running node is
stopped gracefully (SIGTERM) first; then it is started with the same data and port, and the
script waits until it is healthy.
USAGE
  [ $# -lt 1 ] && exit 2 || exit 0
fi

NODE="$1"
ensure_built
at_most 2 "$@"
CONFIG="$(resolve_config "${2:-}")"
require_node "$CONFIG" "$NODE"
RUN="$(run_dir "$CONFIG")"

pid="$(node_pid "$RUN" "$NODE")"
if [ -n "$pid" ]; then
  kill -TERM "$pid"
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && die "node $NODE (pid $pid) did not stop within 30 s"
  echo "node $NODE stopped"
fi
start_node_and_wait "$CONFIG" "$RUN" "$NODE"
