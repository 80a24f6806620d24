#!/usr/bin/env bash
# The whole suite: lint and format (Biome, ruff), import directions, types, unit tests (vitest),
# training tests (pytest), browser tests (Playwright + Debian Chromium).
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
run() { echo; echo "=== $*"; "$@" || status=1; }
run npm run --silent lint
run npx tsx scripts/check-imports.ts
run npx tsc --noEmit
run npx vitest run
run training/.venv/bin/python -m pytest -q training/tests
# the synthetic shop trained with `localrec train`, the folder the shop project's page loads
run bash e2e/shop/make-model.sh
run npx playwright test
exit $status
