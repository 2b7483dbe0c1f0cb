#!/usr/bin/env bash
# Compares every replica of a cluster with its master: ids and body hashes, tombstones included.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  -h|--help)
    cat <<USAGE
Usage: scripts/check-consistency.sh [CONFIG] [--catch-up SECONDS]

Compares the master of CONFIG (default: cluster-config/local-3node.json) with each replica:
every id and a hash of every body, tombstones included, etags ignored (every node stamps its
own). Each node streams a digest listing (id, deleted or not, 128 bits of the body's SHA-256),
so no document crosses the wire whole.

A replica is compared at the master etag it has applied: the check first waits (30 s by default)
until it has applied the master's last change, then compares both listings at that same point.
A tombstone on one side and no record on the other count as equal (a replica skips the tombstone
of a document it never had).

A replica that the master (or the replica itself) reports DIVERGED (it holds changes the master
never issued) fails the check at once, named with the reason.

Prints one line per replica (with a few example ids when it differs) and a verdict.
Exit code 0 only when every replica matches; 1 when one differs, diverged, did not catch up or
did not answer; 2 when the config is wrong.
USAGE
    exit 0 ;;
esac

config_then_options "$@"
ensure_built
echo "checking the replicas of $(basename "$CONFIG") against the master ..."
admin check-consistency --config "$CONFIG" "${OPTIONS[@]}"
