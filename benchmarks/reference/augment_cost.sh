#!/usr/bin/env bash
# Training throughput with the best and robust recipes' augmentation against none (their optimiser, batch 64),
# same run, alternating rounds.
# Each round trains 2 epochs on 12,800 images (the second epoch is the figure: the first includes warm-up).
# Usage: benchmarks/reference/augment_cost.sh   (ROUNDS=3, DATA=data/mnist, THREADS=2)
set -euo pipefail
G=${G:-./glyph}; DATA=${DATA:-data/mnist}; ROUNDS=${ROUNDS:-3}; THREADS=${THREADS:-2}; OUT=${OUT:-runs/bench-augment}
mkdir -p "$OUT"
: > "$OUT/results.txt"
for r in $(seq 1 "$ROUNDS"); do
  for a in none best robust; do
    # best and robust share every setting but the augmentation
    case $a in none) A=(--recipe best --augment none) ;; best) A=(--recipe best) ;; robust) A=(--recipe robust) ;; esac
    rm -rf "$OUT/run"
    $G train "${A[@]}" --holdout 0 --limit 12800 --epochs 2 --threads "$THREADS" --data "$DATA" \
      --out "$OUT/run" > "$OUT/train.log"
    echo "$a $(awk '$1 == 2 {print $NF}' "$OUT/train.log")" | tee -a "$OUT/results.txt"
  done
done
for a in none best robust; do
  echo "median $a: $(awk -v a=$a '$1 == a {print $2}' "$OUT/results.txt" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}') img/s"
done
