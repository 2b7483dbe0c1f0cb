#!/usr/bin/env bash
# Cuts a stopped node's corrupt write-ahead log at its first damaged record.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  cat <<USAGE
Usage: scripts/repair-log.sh NODE [CONFIG]

For node NODE of CONFIG (default: cluster-config/local-3node.json) when it refuses to start
because its write-ahead log is corrupt: cuts the log at the first damaged record and moves
what follows into a wal-quarantine-<time> folder of its data directory. Every write logged
after the damage is then lost on that node; replicas that have such writes are reported
diverged. Read "A node that refuses to start" in docs/reliability.md first: for a replica,
wiping it is the better way. The node must be stopped. Then: scripts/restart-node.sh NODE.
USAGE
  [ $# -lt 1 ] && exit 2 || exit 0
fi

NODE="$1"
at_most 2 "$@"
CONFIG="$(resolve_config "${2:-}")"
RUN="$(run_dir "$CONFIG")"
ensure_built
require_node "$CONFIG" "$NODE"
[ -z "$(node_pid "$RUN" "$NODE")" ] || die "node $NODE is running; stop it first (scripts/kill-node.sh $NODE)"
admin repair-log --config "$CONFIG" --node "$NODE"
