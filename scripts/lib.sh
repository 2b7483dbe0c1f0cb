# Shared by the scripts in this folder: paths, building what is missing, pid files.
# Source it; do not run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEFAULT_CONFIG="$ROOT/cluster-config/local-3node.json"
NODE_JAR="$ROOT/node/target/corvid-node-0.1.0-SNAPSHOT-all.jar"
BENCH_JAR="$ROOT/bench/target/corvid-bench-0.1.0-SNAPSHOT-all.jar"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# The parallel (throughput) collector: with three nodes and a client sharing two cores, G1's
# concurrent threads and costlier write barriers took 40-80 % more CPU per cas (docs/performance.md,
# "The parallel collector"). Its young pauses are short; a full collection runs when the old
# generation fills. A 256 MiB heap holds a node at any data size (storage's buffers take an eighth
# of it each); it starts at 32 MiB and is kept within 10-30 % free, so a node holds what its load
# needs, not its maximum (docs/performance.md, "memory").
NODE_JAVA_OPTS="${NODE_JAVA_OPTS:--Xmx256m -Xms32m -XX:+UseParallelGC -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30}"
BENCH_JAVA_OPTS="${BENCH_JAVA_OPTS:--Xmx2g -XX:+UseParallelGC}"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# A command line the script cannot take: says why and where the usage is, exit status 2.
usage_error() {
  echo "$(basename "$0"): $*" >&2
  echo "run $(basename "$0") --help for its usage" >&2
  exit 2
}

# Fails with the usage when more than $1 arguments follow: at_most N "$@".
at_most() {
  local max="$1"
  shift
  [ $# -le "$max" ] || usage_error "unexpected argument '${*:$((max + 1)):1}'"
}

# Class-data sharing (AppCDS): the first clean exit of a JVM of the node jar archives the classes it
# loaded (-XX:ArchiveClassesAtExit); later starts of the same build map that archive instead of
# loading, parsing and verifying those classes again (docs/performance.md, "Start-up"). One archive
# per program (the nodes, the admin tool) and jar build, under run/cds/. Each JVM that makes one
# writes a file of its own; a complete one that the JVM accepts becomes the archive, anything else
# is removed. A JVM never runs on an archive it does not verify (-XX:+VerifySharedSpaces: then it
# runs without). CORVID_CDS=0 turns it off.
CDS_DIR="$ROOT/run/cds"

# The archive path of program $1 for the jar as built now; empty when CDS is off or nothing is built.
cds_archive() {
  [ "${CORVID_CDS:-1}" = 1 ] && [ -f "$NODE_JAR" ] || return 0
  echo "$CDS_DIR/$1-$(stat -c %Y-%s "$NODE_JAR").jsa"
}

# The JVM options that use program $1's archive, or that write one at exit (named with suffix $2).
cds_opts() {
  local archive
  archive="$(cds_archive "$1")"
  [ -n "$archive" ] || return 0
  if [ -s "$archive" ]; then
    echo "-XX:SharedArchiveFile=$archive -XX:+VerifySharedSpaces -Xlog:cds=off -Xlog:cds+dynamic=off"
  else
    mkdir -p "$CDS_DIR"
    echo "-XX:ArchiveClassesAtExit=$archive.part-$2 -Xlog:cds=off -Xlog:cds+dynamic=off"
  fi
}

# Makes the first complete written file of program $1 its archive (a JVM writes it only as it exits,
# so one not changed for 5 s is done), and removes the rest and the archives of earlier builds.
cds_adopt() {
  local archive part
  archive="$(cds_archive "$1")"
  [ -n "$archive" ] && [ -d "$CDS_DIR" ] || return 0
  for part in "$archive".part-*; do
    [ -f "$part" ] || continue
    [ -z "$(find "$part" -newermt '-5 seconds' 2>/dev/null)" ] || continue
    if [ ! -s "$archive" ] && "$JAVA" -XX:SharedArchiveFile="$part" -XX:+VerifySharedSpaces -Xshare:on \
        -cp "$NODE_JAR" -version >/dev/null 2>&1; then
      mv -f "$part" "$archive"
    else
      rm -f "$part"
    fi
  done
  find "$CDS_DIR" -maxdepth 1 -name "$1-*.jsa*" ! -name "$(basename "$archive")*" -delete 2>/dev/null || true
}

# Builds Corvid when the node jar is missing, or with "ensure_built bench" the benchmark jar too
# (Maven, quietly, tests skipped).
ensure_built() {
  if [ ! -f "$NODE_JAR" ] || { [ "${1:-}" = bench ] && [ ! -f "$BENCH_JAR" ]; }; then
    command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is needed to build Corvid; install it (e.g. apt-get install maven)"
    echo "building Corvid (first run; tests skipped) ..."
    (cd "$ROOT" && mvn -B -q -DskipTests package) || die "the build failed"
  fi
}

# The run directory of a config: run/<config file name without .json>; pid and log files live there.
run_dir() {
  local config="$1"
  local name
  name="$(basename "$config" .json)"
  echo "$ROOT/run/$name"
}

# For a script called as [CONFIG] [OPTIONS...]: sets CONFIG to the config (resolved, default
# cluster-config/local-3node.json) and OPTIONS to the rest of the arguments.
config_then_options() {
  local arg=""
  if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    arg="$1"
    shift
  fi
  CONFIG="$(resolve_config "$arg")"
  OPTIONS=("$@")
}

resolve_config() {
  local config="${1:-$DEFAULT_CONFIG}"
  case "$config" in -*) usage_error "unknown option '$config'" ;; esac
  [ -f "$config" ] || usage_error "no cluster config at $config"
  (cd "$(dirname "$config")" && echo "$(pwd)/$(basename "$config")")
}

admin() {
  local rc=0
  cds_adopt admin
  # shellcheck disable=SC2046
  "$JAVA" $(cds_opts admin "$$-$RANDOM") -cp "$NODE_JAR" dev.corvid.node.cli.Admin "$@" || rc=$?
  return $rc
}

# Prints "name<TAB>address<TAB>role<TAB>dataDir" per node of the config. The admin tool reads the
# config (a JVM start, about half a second here); what it printed is kept in the config's run
# directory for as long as the config and the jar stay the same, so a restart or a kill starts
# no JVM for it.
nodes_of() {
  local run cache
  run="$(run_dir "$1")"
  cache="$run/nodes-$(stat -c %.9Y-%s "$1")-$(stat -c %.9Y-%s "$NODE_JAR").tsv"
  if [ ! -s "$cache" ]; then
    mkdir -p "$run"
    admin nodes --config "$1" >"$cache.$$" || { rm -f "$cache.$$"; return 1; }
    rm -f "$run"/nodes-*.tsv
    mv -f "$cache.$$" "$cache"
  fi
  cat "$cache"
}

# Fails with the usage unless the config $1 has a node named $2.
require_node() {
  local names
  case "$2" in -*) usage_error "unknown option '$2'" ;; esac
  [ -f "$NODE_JAR" ] || return 0 # nothing built, so nothing of it runs either
  names="$(nodes_of "$1" | cut -f1)"
  grep -qxF -- "$2" <<<"$names" || usage_error "no node '$2' in $1; its nodes are $(paste -sd, - <<<"$names" | sed 's/,/, /g')"
}

# The pid of a node we started, if that process is still alive; empty otherwise.
node_pid() {
  local run="$1" node="$2"
  local pidfile="$run/$node.pid"
  [ -f "$pidfile" ] || return 0
  local pid
  pid="$(cat "$pidfile")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q "dev.corvid.node\|corvid-node" "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
  fi
}

start_node() {
  local config="$1" run="$2" node="$3"
  mkdir -p "$run"
  # shellcheck disable=SC2086,SC2046
  cds_adopt node
  nohup "$JAVA" $NODE_JAVA_OPTS $(cds_opts node "$(basename "$config" .json)-$node") -jar "$NODE_JAR" \
      --config "$config" --node "$node" >>"$run/$node.log" 2>&1 &
  echo $! >"$run/$node.pid"
}

# Starts one node and waits until it is healthy, failing with the end of its log if it exits.
start_node_and_wait() {
  local config="$1" run="$2" node="$3"
  start_node "$config" "$run" "$node"
  echo "node $node starting, pid $(cat "$run/$node.pid"), log $run/$node.log"
  admin wait-healthy --config "$config" --timeout 60 --run-dir "$run" "$node" \
    || die "node $node did not become healthy; see $run/$node.log"
  echo "node $node is healthy"
}

# Writes the config of a throwaway three-node cluster named NAME on free ports, with its data
# under run/NAME/, and prints the config's path. Any earlier one of that name is stopped and removed.
throwaway_config() {
  local name="$1" failover="${2:-}" config="$ROOT/run/$1.json"
  if [ -f "$config" ]; then
    "$ROOT/scripts/stop-cluster.sh" "$config" >/dev/null 2>&1 || true
  fi
  rm -rf "${ROOT:?}/run/$name"
  mkdir -p "$ROOT/run"
  local ports=() port=7101 want=3
  [ -n "$failover" ] && want=6
  while [ ${#ports[@]} -lt $want ]; do
    (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null || ports+=("$port")
    port=$((port + 1))
  done
  local raft=("" "" "") top=""
  if [ -n "$failover" ]; then
    raft=(", \"consensusPort\": ${ports[3]}" ", \"consensusPort\": ${ports[4]}" ", \"consensusPort\": ${ports[5]}")
    top="  \"failover\": \"$failover\","
  fi
  cat >"$config" <<JSON
{
  "cluster": "$name",
$top
  "nodes": [
    {"name": "A", "host": "127.0.0.1", "port": ${ports[0]}${raft[0]}, "dataDir": "$name/A/data", "role": "master"},
    {"name": "B", "host": "127.0.0.1", "port": ${ports[1]}${raft[1]}, "dataDir": "$name/B/data", "role": "replica"},
    {"name": "C", "host": "127.0.0.1", "port": ${ports[2]}${raft[2]}, "dataDir": "$name/C/data", "role": "replica"}
  ]
}
JSON
  echo "$config"
}

# "--node NAME=ADDRESS" for every node of a config, the master first.
node_args_of() {
  local master=() others=()
  while IFS=$'\t' read -r name address role _; do
    if [ "$role" = "master" ]; then master=(--node "$name=$address"); else others+=(--node "$name=$address"); fi
  done < <(nodes_of "$1")
  echo "${master[@]}" "${others[@]}"
}
