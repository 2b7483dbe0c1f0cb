#!/usr/bin/env bash
# Starts one node of a cluster config on this machine and waits until it is healthy.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  cat <<USAGE
Usage: scripts/start-node.sh NODE [CONFIG]

Starts node NODE of CONFIG (default: cluster-config/local-3node.json) on this machine in the
background, and waits until it is healthy: the way to run a cluster on several machines, each
starting its own node with the same config (each node listens on its "host" and is reached at its
"advertise"). A node already running is left alone. Its pid and log go to run/<config name>/.
A config with "tls" needs its certificates folder on every machine (scripts/make-certs.sh once,
then copy it).
USAGE
  [ $# -lt 1 ] && exit 2 || exit 0
fi

NODE="$1"
at_most 2 "$@"
ensure_built
CONFIG="$(resolve_config "${2:-}")"
RUN="$(run_dir "$CONFIG")"
require_node "$CONFIG" "$NODE"

pid="$(node_pid "$RUN" "$NODE")"
if [ -n "$pid" ]; then
  echo "node $NODE already running, pid $pid"
  exit 0
fi
start_node_and_wait "$CONFIG" "$RUN" "$NODE"
