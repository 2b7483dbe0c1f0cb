#!/usr/bin/env bash
# Makes a node master, planned or forced.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  cat <<USAGE
Usage: scripts/promote-node.sh NODE [CONFIG] [--force] [--even-if-behind]

Makes NODE of CONFIG (default: cluster-config/local-3node.json) master in the next epoch, in a
cluster whose master a Raft group decides ("failover": "manual" or "automatic", a "consensusPort"
per node; local-3node-auto.json is one).
  planned (the master is up): the master waits until NODE has caught up, stops acknowledging
      writes, lets NODE apply the last of them, and hands over; writes pause for that step only.
  --force (the master is down): needs a majority of the nodes; refused when another live node has
      applied more than NODE (--even-if-behind overrides). Writes the old master took that NODE
      lacks are handed back when it returns: applied, or kept as conflicts.
Exit codes: 0 NODE is master, 1 refused (the reason is printed), 3 no node answered.
USAGE
  [ $# -lt 1 ] && exit 2 || exit 0
fi

NODE="$1"
shift
CONFIG_ARG=""
FLAGS=()
for arg in "$@"; do
  case "$arg" in
    --force|--even-if-behind) FLAGS+=("$arg") ;;
    -*) die "unknown option $arg (see --help)" ;;
    *) CONFIG_ARG="$arg" ;;
  esac
done
ensure_built
CONFIG="$(resolve_config "$CONFIG_ARG")"
admin promote --config "$CONFIG" "${FLAGS[@]}" "$NODE"
