#!/usr/bin/env bash
# kill -9 one node, for failover drills.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  cat <<USAGE
Usage: scripts/kill-node.sh NODE [CONFIG]

Kills node NODE of CONFIG (default: cluster-config/local-3node.json) with SIGKILL (kill -9):
no graceful shutdown, as in a crash. Only acts on a node scripts/start-cluster.sh started.
Bring it back with scripts/restart-node.sh NODE.
USAGE
  [ $# -lt 1 ] && exit 2 || exit 0
fi

NODE="$1"
at_most 2 "$@"
CONFIG="$(resolve_config "${2:-}")"
require_node "$CONFIG" "$NODE"
RUN="$(run_dir "$CONFIG")"
pid="$(node_pid "$RUN" "$NODE")"
if [ -z "$pid" ]; then
  echo "node $NODE is not running (no live pid in $RUN/$NODE.pid)"
  exit 0
fi
kill -KILL "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
rm -f "$RUN/$NODE.pid"
echo "node $NODE (pid $pid) killed with SIGKILL"
