#!/usr/bin/env bash
# Config is read once, in libs/config (STYLE.md §9): no other production code reads process.env.
# Tests and the test harness (libs/testing) may, and so may apps/crm-sandbox: it stands in for
# HubSpot/Salesforce and is not Corridor, so it has settings of its own. dependency-cruiser cannot
# see environment reads, so grep does.
set -euo pipefail
cd "$(dirname "$0")/.."

offenders=$(grep -rnE 'process\.env\b' apps libs --include='*.ts' \
  | grep -vE '^libs/(config|testing)/' \
  | grep -vE '^apps/crm-sandbox/' \
  | grep -vE '\.(spec|int-spec|e2e-spec)\.ts:' \
  | grep -vE '^(apps|libs)/[^/]+/test/' \
  || true)

if [[ -n "$offenders" ]]; then
  echo "process.env is read outside libs/config (use AppConfig):" >&2
  echo "$offenders" >&2
  exit 1
fi
echo "env check: only libs/config reads process.env"
