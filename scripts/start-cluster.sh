#!/usr/bin/env bash
# Starts every node of a cluster config in the background and waits until all are healthy.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  -h|--help)
    cat <<USAGE
Usage: scripts/start-cluster.sh [CONFIG]

Starts every node of CONFIG (default: cluster-config/local-3node.json) in the background,
waits until all report healthy, and prints their status. Builds Corvid first when it is not
built yet (Maven, quietly, tests skipped). Each node's pid and log go to run/<config name>/.
A config with "tls" (cluster-config/local-3node-secure.json) gets its certificates on the
first start (scripts/make-certs.sh).
Safe to run twice: nodes already running are left alone.
USAGE
    exit 0 ;;
esac

ensure_built
at_most 1 "$@"
CONFIG="$(resolve_config "${1:-}")"
RUN="$(run_dir "$CONFIG")"
mkdir -p "$RUN"
# A config with "tls": its certificates are made on the first start (scripts/make-certs.sh). A
# config without the word starts no JVM for it.
if grep -q '"tls"' "$CONFIG"; then
  admin certs --config "$CONFIG" --if-tls
fi

while IFS=$'\t' read -r name address role _; do
  pid="$(node_pid "$RUN" "$name")"
  if [ -n "$pid" ]; then
    echo "node $name ($role, $address) already running, pid $pid"
  else
    start_node "$CONFIG" "$RUN" "$name"
    echo "node $name ($role, $address) starting, pid $(cat "$RUN/$name.pid"), log $RUN/$name.log"
  fi
done < <(nodes_of "$CONFIG")

if ! admin wait-healthy --config "$CONFIG" --timeout 60 --run-dir "$RUN"; then
  echo "some nodes did not come up; their logs are in $RUN" >&2
  exit 1
fi
echo
admin status --config "$CONFIG"
