#!/usr/bin/env bash
# The five-minute tour: the seeds' stories told against the running cluster with the Java client.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  -h|--help)
    cat <<USAGE
Usage: scripts/demo.sh [CONFIG]

Against the cluster of CONFIG (default: cluster-config/local-3node.json), started with
scripts/start-cluster.sh, tells in a few screens, with the Java client:
  1. optimistic concurrency catching a concurrent edit;
  2. READ_FROM_ALL_SERVERS spreading sessions over the nodes (reads per node, from their stats);
  3. the replica-etag trap, and forceReadFromMaster() fixing it;
  4. the master killed (scripts/kill-node.sh): reads continue on replicas, writes are refused
     with the failover behavior named, or taken by a replica as a failover write when it allows;
  5. that replica killed too, the master back (scripts/restart-node.sh) and writing the same document;
  6. the replica back: it hands its failover write back, the master keeps both versions as a
     conflict, ConflictException shows them, a DocumentConflictListener resolves it everywhere;
  7. with "failover": "manual": a planned promotion (scripts/promote-node.sh) and the client's
     writes following the new master.
With "failover": "automatic" (cluster-config/local-3node-auto.json), chapters 4-6 are instead: the
master killed and a replica promoted on its own, the client's save following it; the old master
back as a replica; a planned promotion giving it its role back.
The tour's code is client/src/test/java/dev/corvid/client/examples/DemoTour.java. The first run
compiles the client's examples (Maven, quietly). Its documents are demo/...; safe to run again.
USAGE
    exit 0 ;;
esac

ensure_built
at_most 1 "$@"
CONFIG="$(resolve_config "${1:-}")"
RUN="$(run_dir "$CONFIG")"
mkdir -p "$RUN"

if ! admin status --config "$CONFIG" >/dev/null; then
  admin status --config "$CONFIG" || true
  die "every node must be up for the tour; run scripts/start-cluster.sh${1:+ $1} (or restart-node.sh NODE) first"
fi

# The client's test classpath (the examples live beside the client's tests), built when stale.
CLASSPATH_FILE="$RUN/demo.classpath"
if [ ! -f "$CLASSPATH_FILE" ] || [ -n "$(find "$ROOT/client/src" "$ROOT/proto/src" "$ROOT/probe/src" "$ROOT/node/src/main" \
      "$ROOT/pom.xml" "$ROOT/client/pom.xml" -newer "$CLASSPATH_FILE" -print -quit)" ]; then
  echo "compiling the tour (Maven, quietly; first run only) ..."
  (cd "$ROOT" && mvn -B -q -Dstyle.color=never -DskipTests -pl client -am test-compile dependency:build-classpath \
      -Dmdep.includeScope=test -Dmdep.outputFile="$CLASSPATH_FILE") || die "building the tour failed"
fi
CP="$ROOT/client/target/test-classes:$ROOT/client/target/classes:$(cat "$CLASSPATH_FILE")"

MASTER=""
REPLICA=""
NODES=()
while IFS=$'\t' read -r name address role _; do
  if [ "$role" = "master" ]; then MASTER="$name"; NODES=("$name=$address" "${NODES[@]}")
  else NODES+=("$name=$address"); [ -n "$REPLICA" ] || REPLICA="$name"; fi
done < <(nodes_of "$CONFIG")

# A TLS cluster: the tour acts as its readwrite client, its probes as admin.
TLS_FOLDER="$(admin tls-folder --config "$CONFIG")"

chapter() {
  echo
  echo "== $1 =="
  "$JAVA" -cp "$CP" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dcorvid.demo.tls="$TLS_FOLDER" \
      dev.corvid.client.examples.DemoTour \
      "$2" "$RUN/demo-topology" "${NODES[@]}"
}

chapter "1. Optimistic concurrency" concurrency
chapter "2. Reads spread over all servers" striping
chapter "3. The replica-etag trap and forceReadFromMaster()" trap

if grep -Eq '"failover"[[:space:]]*:[[:space:]]*"automatic"' "$CONFIG"; then
  echo
  echo "== 4. The master is killed: automatic failover =="
  "$ROOT/scripts/kill-node.sh" "$MASTER" "$CONFIG"
  chapter "4. ... and a replica takes over" auto-failover
  echo
  echo "== 5. The old master comes back, as a replica of the new one =="
  "$ROOT/scripts/restart-node.sh" "$MASTER" "$CONFIG"
  echo
  echo "== 6. A planned promotion gives $MASTER its role back =="
  "$ROOT/scripts/promote-node.sh" "$MASTER" "$CONFIG"
  chapter "6. ... and the client follows" promotion
  echo
  admin status --config "$CONFIG" || true
  echo
  echo "Tour done. Try it yourself: scripts/kill-node.sh NODE $CONFIG, scripts/promote-node.sh NODE $CONFIG,"
  echo "scripts/status.sh $CONFIG; the tour's code is client/src/test/java/dev/corvid/client/examples/DemoTour.java."
  exit 0
fi

echo
echo "== 4. The master goes down =="
"$ROOT/scripts/kill-node.sh" "$MASTER" "$CONFIG"
chapter "4. ... and the client carries on" master-down

echo
echo "== 5. The replica that took the failover write goes down; the master comes back =="
"$ROOT/scripts/kill-node.sh" "$REPLICA" "$CONFIG"
"$ROOT/scripts/restart-node.sh" "$MASTER" "$CONFIG"
chapter "5. ... and takes writes again" master-back

echo
echo "== 6. The replica comes back =="
"$ROOT/scripts/restart-node.sh" "$REPLICA" "$CONFIG"
chapter "6. ... its failover write meets the master's: a conflict, kept and resolved" conflict

if grep -Eq '"failover"[[:space:]]*:[[:space:]]*"manual"' "$CONFIG"; then
  echo
  echo "== 7. Promotion =="
  "$ROOT/scripts/promote-node.sh" "$REPLICA" "$CONFIG"
  chapter "7. ... a planned hand-over, and the client follows" promotion
else
  echo
  echo "(The master of $(basename "$CONFIG") is static; for promotion and automatic failover, run:"
  echo " scripts/start-cluster.sh cluster-config/local-3node-auto.json; scripts/demo.sh cluster-config/local-3node-auto.json)"
fi

echo
admin status --config "$CONFIG" || true
echo
echo "Tour done. Try it yourself: scripts/kill-node.sh NODE, scripts/status.sh, scripts/restart-node.sh NODE,"
echo "scripts/check-consistency.sh; the tour's code is client/src/test/java/dev/corvid/client/examples/DemoTour.java."
