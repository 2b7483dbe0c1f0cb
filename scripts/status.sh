#!/usr/bin/env bash
# Prints the status table of a cluster, as its nodes report it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  -h|--help)
    cat <<USAGE
Usage: scripts/status.sh [CONFIG]

Asks every node of CONFIG (default: cluster-config/local-3node.json) for its stats and prints
one line per node: role, address, documents, last etag, replication lag, uptime and requests
served. A replica's lag is what the master knows of it: how many of the master's changes it does
not have yet and the age of the oldest ("0 (caught up)" when it has them all). A node that does
not answer is shown as DOWN. A replica that holds changes the master never issued (the master's
data was replaced or restored from an older copy) is shown as DIVERGED, never as caught up, with
the reason and what to do after the table. Exit code 0 when every node answered and none
diverged, 3 when a node is down, 4 when a replica diverged.
USAGE
    exit 0 ;;
esac

ensure_built
at_most 1 "$@"
CONFIG="$(resolve_config "${1:-}")"
admin status --config "$CONFIG"
