#!/usr/bin/env bash
# The kill -9 soak: a throwaway three-node cluster with the default settings, writers appending
# tokens under optimistic concurrency, the master killed with kill -9 and restarted again and again.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  cat <<USAGE
Usage: scripts/soak-kill.sh [soak options]

Starts a throwaway three-node cluster on free ports (data under run/soak-cluster/, default
settings), then: writers append tokens to shared documents through sessions with optimistic
concurrency while the master is killed with kill -9 and restarted, and every few kills a
replica too. At the end the master and both replicas must hold every acknowledged token, none
that was never sent and none twice, and scripts/check-consistency.sh must pass. Prints a line
per kill and a RESULT line; exit status 1 when a check fails. Takes about a minute per 3 kills.

Soak options (defaults in brackets):
  --kills N             kill -9s of the master [50]
  --replica-every N     also kill a replica after every N master kills [5]
  --writers N           writer threads [8]
  --documents N         shared documents [256]
  --tokens-per-round N  acknowledged tokens between two kills [3000]
Environment: NODE_JAVA_OPTS [$NODE_JAVA_OPTS], BENCH_JAVA_OPTS [$BENCH_JAVA_OPTS],
             SOAK_KEEP_LOGS=1 keeps the cluster's data and logs in run/soak-cluster/.
USAGE
  exit 0
fi

ensure_built bench
CONFIG="$(throwaway_config soak-cluster)"
trap '"$ROOT/scripts/stop-cluster.sh" "$CONFIG" >/dev/null 2>&1 || true; [ -n "${SOAK_KEEP_LOGS:-}" ] || rm -rf "$ROOT/run/soak-cluster" "$CONFIG"' EXIT
echo "starting a throwaway three-node cluster ($CONFIG, JVM options: $NODE_JAVA_OPTS)"
"$ROOT/scripts/start-cluster.sh" "$CONFIG" >/dev/null || die "the cluster did not start; logs are in $(run_dir "$CONFIG")"
read -r -a node_args <<<"$(node_args_of "$CONFIG")"

status=0
# shellcheck disable=SC2086
"$JAVA" $BENCH_JAVA_OPTS -cp "$BENCH_JAR" dev.corvid.bench.KillSoak "${node_args[@]}" \
  --pid-dir "$(run_dir "$CONFIG")" \
  --restart-command "'$ROOT/scripts/restart-node.sh' {node} '$CONFIG' >/dev/null" \
  "$@" || status=1
"$ROOT/scripts/check-consistency.sh" "$CONFIG" || status=1
exit $status
