#!/usr/bin/env bash
# The serving-platform benchmark of BENCHMARKS.md ("Serving platform"), one session, alternating:
#   - glyph.v1 Classify vs Open Inference Protocol ModelInfer over gRPC, on the same server;
#   - OIP over HTTP/REST, one point;
#   - glyph.v1 on this build vs the build before the model repository (no leases, no routing).
# Single-image requests at concurrency 64; the server and the load generator share the box.
#
#   OLD=/path/to/checkout-of-e3aeeac REPO=models benchmarks/reference/server_protocols.sh
#
# NEW: this checkout (built); OLD: a checkout of e3aeeac built with `mvn -o -q package -DskipTests`
# (package, not install, so ~/.m2 keeps this build); REPO: a model repository holding an exported and
# verified mnist/1. Results: one JSON line per point in $OUT/results.txt.
set -euo pipefail
NEW=${NEW:-$(pwd)}
OLD=${OLD:?set OLD to a built checkout of e3aeeac}
REPO=${REPO:-models}
OUT=${OUT:-runs/bench-protocols}
ROUNDS=${ROUNDS:-3}
mkdir -p "$OUT"

classpath() { echo "$1/cli/target/cli-0.1.0-SNAPSHOT.jar:$1/cli/target/lib/*"; }

serve() { # $1: checkout, then serve options
  local tree=$1; shift
  java -Dai.djl.offline=true -cp "$(classpath "$tree")" dev.glyph.cli.Main serve "$@" \
    --port 50061 --metrics-port 9466 > "$OUT/serve.log" 2>&1 &
  SPID=$!
  for _ in $(seq 1 120); do grep -q "listening on" "$OUT/serve.log" && return 0; sleep 0.5; done
  echo "server did not start:"; cat "$OUT/serve.log"; exit 1
}

stop() { kill -TERM "$SPID"; wait "$SPID"; }

bench() { # $1: label, $2: target, then bench options
  local label=$1 target=$2; shift 2
  java -cp "$(classpath "$NEW")" dev.glyph.cli.Main bench server --server "$target" --metrics-port 9466 \
    --mnist "$NEW/data/mnist" --concurrency 64 --duration 8s --warmup 10s --json "$@" \
    | tail -1 | sed "s/^/$label /" >> "$OUT/results.txt"
}

: > "$OUT/results.txt"
for round in $(seq 1 "$ROUNDS"); do
  serve "$NEW" --model-repository "$REPO" --http-port 8061
  bench "new glyph.v1" localhost:50061 --protocol glyph
  bench "new oip-grpc" localhost:50061 --protocol oip --model mnist
  bench "new glyph.v1" localhost:50061 --protocol glyph
  bench "new oip-grpc" localhost:50061 --protocol oip --model mnist
  if [ "$round" = 1 ]; then
    bench "new oip-http" localhost:8061 --protocol oip-http --model mnist
  fi
  stop
  serve "$OLD" --model "$REPO/mnist/1"
  bench "old glyph.v1" localhost:50061 --protocol glyph
  bench "old glyph.v1" localhost:50061 --protocol glyph
  stop
done
lscpu | grep "Model name" >> "$OUT/results.txt"
