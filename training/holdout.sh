#!/usr/bin/env bash
# Held-out-user models for the adapter study:  bash training/holdout.sh <movielens|lastfm|beauty> [more train args]
# Trains with the dataset's shipped defaults after removing N users (uniform, seeded) from train.jsonl,
# into training/runs/holdout/<dataset>/ (manifest.json, model.onnx, items.bin, [encoder.onnx], catalog.json,
# holdout-users.json = the removed users' ids).
set -euo pipefail
cd "$(dirname "$0")/.."
ds="${1:?usage: training/holdout.sh <movielens|lastfm|beauty> [train args]}"
shift
case "$ds" in
  movielens) n=100 ;;
  lastfm) n=150 ;;
  beauty) n=2000 ;;
  *) echo "unknown dataset $ds" >&2; exit 2 ;;
esac
exec training/.venv/bin/python -u -m training.train --dataset "$ds" --holdout-users "$n" \
  --out "training/runs/holdout/$ds" --log "training/runs/holdout/$ds.log.json" "$@"
