#!/usr/bin/env bash
# Serves Corvid Studio, the web console of a cluster, until stopped (Ctrl-C).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  -h|--help)
    cat <<USAGE
Usage: scripts/studio.sh [CONFIG] [--port PORT] [--host HOST] [--as admin|readwrite|read]

Serves Corvid Studio for the cluster of CONFIG (default: cluster-config/local-3node.json) at
http://127.0.0.1:8090/ until stopped (Ctrl-C): every node with its role, epoch, health, documents,
last etag and lag; lag and request rates over the last 10 minutes, with the moments a node went
down or came back and where a promotion made a new master; the collections and their documents,
each with its etag on every node, to edit (with optimistic concurrency), create and delete; the
consistency check; the documents in conflict, each resolved by picking the version to keep.

It is a process of its own that talks to the nodes as the other scripts do. On a TLS cluster it
uses the client certificate --as names (default admin), and without one of the cluster's
certificates it does not start; as read it only reads. It listens on
--host (default 127.0.0.1: this machine only) and --port (default 8090; 0 for any free port).
USAGE
    exit 0 ;;
esac

config_then_options "$@"
ensure_built
admin studio --config "$CONFIG" "${OPTIONS[@]}"
