#!/usr/bin/env bash
# The synthetic shop (training/synthetic_shop.py, small, seed 0) trained with `localrec train` into
# e2e/shop/model/ (git-ignored), the folder e2e/harness/shop.html loads. A small model keeps it to seconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
training/.venv/bin/python -m training.synthetic_shop --size small --seed 0 --out "$work/data"
printf '{"train": {"dim": 32, "ffn": 64, "buckets": 1024, "experts": 2, "cooc_rank": 16, "max_len": 20}}\n' > "$work/config.json"
LOCALREC_THREADS=${LOCALREC_THREADS:-2} node bin/localrec.mjs train --events "$work/data/events.csv" \
  --items "$work/data/items.csv" --config "$work/config.json" --epochs 12 --out e2e/shop/model
