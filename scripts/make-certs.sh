#!/usr/bin/env bash
# Creates a local CA and the certificates of a TLS cluster.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  -h|--help)
    cat <<USAGE
Usage: scripts/make-certs.sh [CONFIG] [--force] [--days N] [--out DIR]

Creates a local CA and, signed by it, what a TLS cluster of CONFIG (default:
cluster-config/local-3node.json) needs, in DIR (default: the config's "tls" folder, else
run/<config name>-certs, e.g. run/local-3node-certs):
  ca.pem, ca-key.pem                 the CA ("Corvid CA <cluster name>")
  nodes/NAME.pem, NAME-key.pem       per node: its host, localhost and 127.0.0.1 as names,
                                     for serving and for connecting to the other nodes
  clients/NAME.pem, NAME-key.pem, NAME.p12
                                     the clients admin, readwrite and read
  truststore.p12                     the CA certificate (alias corvid-ca)
Keys are EC P-256, PEM, PKCS#8; the key files are readable by their owner only.
For local test clusters only: the keys are not encrypted and every .p12 has the password "changeit".

When DIR already holds ca.pem nothing is written (exit 0); --force creates everything anew.
--days N: how long the certificates are valid, counted from an hour ago (default 825).
USAGE
    exit 0 ;;
esac

CONFIG_ARG=""
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --force) ARGS+=("$1") ;;
    --days|--out)
      [ $# -ge 2 ] || die "$1 needs a value (see --help)"
      ARGS+=("$1" "$2")
      shift ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) CONFIG_ARG="$1" ;;
  esac
  shift
done
ensure_built
CONFIG="$(resolve_config "$CONFIG_ARG")"
admin certs --config "$CONFIG" "${ARGS[@]}"
