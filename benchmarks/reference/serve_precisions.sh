#!/usr/bin/env bash
# glyph serve on the fp32 version vs the int8 version: single images at concurrency 64, alternating.
# Usage: M=models/mnist benchmarks/reference/serve_precisions.sh  (version 1 fp32, version 2 from glyph optimize)
set -euo pipefail
G=${G:-./glyph}; M=${M:-models/mnist}; OUT=${OUT:-runs/bench-precisions}; ROUNDS=${ROUNDS:-3}; DATA=${DATA:-data/mnist}
mkdir -p "$OUT"
: > $OUT/serve-results.txt
for r in $(seq 1 $ROUNDS); do
  for v in 1 2; do
    $G serve --model $M/$v --port 50071 --metrics-port 9471 --http-port -1 > $OUT/serve-$v.log 2>&1 &
    P=$!
    for _ in $(seq 1 120); do grep -q "listening on" $OUT/serve-$v.log && break; sleep 0.5; done
    $G bench server --server localhost:50071 --metrics-port 9471 --mnist $DATA --concurrency 64 \
      --duration 8s --warmup 10s --json 2>/dev/null | tail -1 | sed "s/^/v$v /" >> $OUT/serve-results.txt
    kill -TERM $P; wait $P || true
  done
done
