#!/usr/bin/env bash
# Load benchmark: durable inserts and gets through gRPC, one RESULT line per phase.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
Usage: scripts/bench.sh [--target HOST:PORT] [load tool options]

Without --target, starts a throwaway single node (data under run/bench/, removed afterwards),
runs the load tool against it and stops it. With --target, uses the running node at that address.

Load tool options (defaults in brackets):
  --threads N      concurrent clients [32]
  --docs N         documents to insert, ~1 KB each [10000]
  --duration S     seconds of a timed phase [20]
  --phases LIST    comma-separated, in order: insert,get [insert,get]
  --warmup S       untimed warm-up seconds first [10]

Each phase prints one line:
  RESULT store=corvid phase=<phase> ops=<n> secs=<s> ops_per_s=<x> p50_ms=<x> p99_ms=<x> conflicts=<n> errors=<n>
Every insert is durable before it is acknowledged (its log record is synced to disk).
USAGE
}

target=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --target) target="$2"; shift 2 ;;
    --target=*) target="${1#--target=}"; shift ;;
    *) args+=("$1"); shift ;;
  esac
done

ensure_built

if [ -z "$target" ]; then
  RUN="$ROOT/run/bench"
  rm -rf "$RUN"
  mkdir -p "$RUN"
  port=7100
  while (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
  cat >"$RUN/bench.json" <<JSON
{"cluster": "bench", "nodes": [{"name": "A", "host": "127.0.0.1", "port": $port, "dataDir": "A/data", "role": "master"}]}
JSON
  start_node "$RUN/bench.json" "$RUN" A
  trap 'kill -TERM "$(cat "$RUN/A.pid")" 2>/dev/null; wait 2>/dev/null; rm -rf "$RUN"' EXIT
  admin wait-healthy --config "$RUN/bench.json" --timeout 60 || die "the benchmark node did not start; see $RUN/A.log"
  target="127.0.0.1:$port"
  echo "benchmark node: $target (JVM options: $NODE_JAVA_OPTS)"
fi

"$JAVA" -jar "$BENCH_JAR" --target "$target" "${args[@]}"
