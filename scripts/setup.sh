#!/usr/bin/env bash
# Sets up a fresh machine for localrec. Needs only Node (npm) and, for the full setup, Debian's apt.
#   bash scripts/setup.sh          everything the test suite needs: npm deps, Chromium, the training venv
#   bash scripts/setup.sh --demo   only what the demo needs: npm deps
#   bash scripts/setup.sh --python only the training venv (what `npx localrec setup` runs)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-full}

if [ "$mode" != "--python" ]; then
echo "== npm dependencies"
# onnxruntime-node's postinstall downloads CUDA files; the CPU binaries are in the package.
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund

[ "$mode" = "--demo" ] && exit 0

echo "== Chromium (Debian)"
if [ ! -x /usr/bin/chromium ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null | grep -i chromium
fi

venv=${LOCALREC_VENV:-training/.venv}
echo "== Python venv for training ($venv)"
py=$venv/bin/python
pkgs="torch==2.13.0+cpu onnx onnxruntime numpy pytest duckdb ruff"
if ! { [ -x "$py" ] && "$py" -c "import torch, onnx, onnxruntime, numpy, pytest, duckdb, ruff" 2>/dev/null; }; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  stores=""
  for d in /opt/wheels /opt/pypi/files /opt/pypi-more/files; do [ -d "$d" ] && stores="$stores --find-links $d"; done
  if [ -n "$stores" ] && "$venv"/bin/pip install -q --no-index $stores $pkgs; then
    echo "installed from the machine's local wheel store"
  else
    # A machine without the local wheel store (a developer's own laptop): the ordinary index.
    "$venv"/bin/pip install -q torch onnx onnxruntime numpy pytest duckdb ruff
  fi
fi
"$py" -c "import torch, onnx, onnxruntime; print('torch', torch.__version__, 'onnx', onnx.__version__, 'onnxruntime', onnxruntime.__version__)"
