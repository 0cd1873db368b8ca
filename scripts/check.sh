#!/usr/bin/env bash
# Quick pre-commit gate for developers: lint and typecheck everything (tests: npm test).
set -euo pipefail
cd "$(dirname "$0")/.."
npx biome check .
npx turbo run typecheck --output-logs=errors-only
