#!/usr/bin/env bash
# The benchmark: a local three-node cluster driven through the Corvid client, one RESULT line per phase.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
Usage: scripts/bench.sh [--fresh | --config CONFIG] [benchmark options]

Runs the benchmark through the Corvid client against a local three-node cluster:
  - by default, the local cluster of cluster-config/local-3node.json when it is running (left
    running afterwards; the failover phase kills and restarts its master);
  - otherwise, or with --fresh, a throwaway three-node cluster on free ports, data under
    run/bench-cluster/, stopped and removed at the end;
  - with --config CONFIG, the cluster of CONFIG (started first if it is not running); for a
    config with "tls" (cluster-config/local-3node-secure.json) the client presents the
    readwrite client certificate of its certificates folder.
Builds Corvid first when it is not built yet.

Benchmark options (defaults in brackets):
  --threads N        client threads [32]
  --docs N           documents of about 1 KB (a name, an age, a 900-character bio) [10000]
  --duration S       seconds of each timed phase [20]
  --phases LIST      comma-separated; they always run in this order [insert,cas,cas-assured,hot-cas,replica-read,lag,failover]
                     (query-page, query, lag-idle and promotion only when asked)
                       insert        insert every document, each with the must-not-exist check
                       cas           sessions with optimistic concurrency: load a random document
                                     from the master, change it, saveChanges(); conflicts counted
                       cas-assured   cas whose saveChanges() waits until one replica has durably
                                     applied it (waitForReplicationAfterSaveChanges, 1 replica)
                       hot-cas       the same over 10 documents, then checks that no update was
                                     lost (counters on the master and on every replica)
                       replica-read  sessions striped over the replicas, each loading a random document
                       query-page    (not in the default list) a session query of People on the master:
                                     25 documents from a random offset, no filter, no sort
                       query         (not in the default list) People of one age ordered by name, the
                                     first 10: a filtered, sorted scan of the collection on the master
                       lag-idle      (not in the default list) lag as below with no other load
                       lag           during cas, a marker written every 50 ms; both replicas polled
                                     every 1 ms, each from its own thread, until it appears
                                     (p50/p90/p99/max from the acknowledgement)
                       promotion     (not in the default list) on a cluster with "failover": "automatic" (the
                                     throwaway cluster is then one for the whole run): 4 writers save
                                     through the client while the master, whichever it is, is killed
                                     --promotion-drills times [20]; per kill, writes unavailable from the
                                     last save acknowledged before to the first after (p50, max)
                       failover      kill -9 of the master while 4 threads read (a read every 0.5 ms in all):
                                     time to the first replica read; restart: time until the master
                                     answers again (restart script + JVM start + recovery), then
                                     until the client's reads are back on it
  --warmup S         untimed warm-up first, so the JIT has compiled client and nodes [60]
                     (on two cores the compilers still take a sixth of the CPU in the first
                     phase after 60 s; 150 measures a steadier state)
                     0: no warm-up, the first phase measures nodes and client just started
  --prefix PREFIX    the ids' prefix [bench/<run>/, new every run; the run prints it]; with an
                     earlier run's prefix and no insert phase, the phases work on the --docs
                     documents that run inserted (e.g. 5,000,000 loaded once) instead of new ones
  --api PATH         the client path of insert, cas, cas-assured, hot-cas and replica-read [sessions]
                       sessions   load / store / saveChanges()
                       commands   DatabaseCommands get and put(id, etag, ...) with Jackson trees
                       raw        DatabaseCommands getRaw and putRaw with JSON bytes (a replica
                                  read is not parsed; cas parses and writes the body with Jackson)

Each phase prints one line:
  RESULT store=corvid phase=<phase> ops=<n> secs=<s> ops_per_s=<x> p50_ms=<x> p99_ms=<x> conflicts=<n> errors=<n> [more key=value]
then one line per node: MEMORY node=<name> role=<role> peak_rss_mib=<n> rss_anon_mib=<n> rss_file_mib=<n>
  (peak resident memory; resident anonymous and file-backed memory at the end of the run).
Every write is durable when acknowledged: its log record is synced to the master's disk.
Exit status 1 when a check fails (a lost update, a replica that differs, a failover that never happened).
Environment: NODE_JAVA_OPTS (nodes the script starts) [$NODE_JAVA_OPTS],
             BENCH_JAVA_OPTS (the client) [$BENCH_JAVA_OPTS],
             BENCH_KEEP_LOGS=1 keeps the throwaway cluster's data and logs in run/bench-cluster/.
USAGE
}

config=""
fresh=0
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --fresh) fresh=1; shift ;;
    --config) [ $# -ge 2 ] || die "--config needs a file"; config="$2"; shift 2 ;;
    --config=*) config="${1#--config=}"; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
[ -n "$config" ] && [ "$fresh" = 1 ] && die "--fresh and --config do not go together"

ensure_built bench

# Any node of a config running (started by our scripts)?
any_running() {
  local cfg="$1" run
  run="$(run_dir "$cfg")"
  while IFS=$'\t' read -r name _; do
    [ -n "$(node_pid "$run" "$name")" ] && return 0
  done < <(nodes_of "$cfg")
  return 1
}

throwaway=0
if [ -n "$config" ]; then
  CONFIG="$(resolve_config "$config")"
elif [ "$fresh" = 0 ] && any_running "$DEFAULT_CONFIG"; then
  CONFIG="$DEFAULT_CONFIG"
else
  throwaway=1
  # The promotion phase kills masters and needs a Raft-decided one: then the whole run is on such a cluster.
  failover=""
  case " ${args[*]} " in *promotion*) failover=automatic ;; esac
  CONFIG="$(throwaway_config bench-cluster $failover)"
  trap '"$ROOT/scripts/stop-cluster.sh" "$CONFIG" >/dev/null 2>&1 || true; [ -n "${BENCH_KEEP_LOGS:-}" ] || rm -rf "$ROOT/run/bench-cluster" "$CONFIG"' EXIT
  echo "starting a throwaway three-node cluster ($CONFIG, JVM options: $NODE_JAVA_OPTS)"
fi

"$ROOT/scripts/start-cluster.sh" "$CONFIG" >/dev/null || die "the cluster did not start; logs are in $(run_dir "$CONFIG")"

read -r -a node_args <<<"$(node_args_of "$CONFIG")"
tls_args=()
tls_folder="$(admin tls-folder --config "$CONFIG")"
[ -n "$tls_folder" ] && tls_args=(--tls "$tls_folder")

# shellcheck disable=SC2086
"$JAVA" $BENCH_JAVA_OPTS -jar "$BENCH_JAR" "${node_args[@]}" \
  --pid-dir "$(run_dir "$CONFIG")" "${tls_args[@]}" \
  --restart-command "'$ROOT/scripts/restart-node.sh' {node} '$CONFIG'" \
  "${args[@]}"
