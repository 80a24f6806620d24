#!/usr/bin/env bash
# npm run train -- --dataset movielens [options]   (see training/train.py --help)
set -euo pipefail
cd "$(dirname "$0")/.."
exec training/.venv/bin/python -u -m training.train "$@"
