#!/usr/bin/env bash
# The main job, end to end on this machine: CRM sandbox → sync → personas (config/corridor/, applied
# with `corridor personas apply`; the journey and strategy later, the whole directory in one
# transaction through `corridor config apply`) → publish → the
# customer view → a change in the CRM → re-segmentation → write-back, then touchpoints, treatments
# and a strategy with contact policies, a burst of touchpoint events decided and delivered as
# signed webhooks to a receiver the demo runs itself, then outcomes and CSAT answers coming back
# (lift per persona over the holdout, targets against measured CSAT, service recovery), with a
# readable summary.
#   npm run demo             runs the scenario, then keeps the product running until Ctrl-C
#   npm run demo -- --once   runs the scenario and exits 0 when done (CI, smoke tests)
# Everything runs locally: a fresh database and Redis keys named after DEMO_NAME (default
# corridor_demo), the sandbox on DEMO_SANDBOX_PORT (4110), the API on DEMO_PORT (3100), two worker
# processes. Two demos with different DEMO_NAME and ports do not touch each other's data.
# Logs land in .demo/<DEMO_NAME>/.
set -euo pipefail
cd "$(dirname "$0")/.."

ONCE=0
for arg in "$@"; do
  case "$arg" in
    --once) ONCE=1 ;;
    *) echo "unknown option $arg (use --once)" >&2; exit 2 ;;
  esac
done
DEMO_NAME="${DEMO_NAME:-corridor_demo}"
if [[ ! "$DEMO_NAME" =~ ^[a-z][a-z0-9_]{0,40}$ ]]; then echo "DEMO_NAME must match ^[a-z][a-z0-9_]{0,40}\$" >&2; exit 2; fi
DEMO_PORT="${DEMO_PORT:-3100}"
DEMO_SANDBOX_PORT="${DEMO_SANDBOX_PORT:-4110}"
# Ports the WHATWG fetch standard blocks ("bad port"): Node's fetch refuses them, so the demo would wait forever.
for port in "$DEMO_PORT" "$DEMO_SANDBOX_PORT"; do
  case " 1 7 9 11 13 15 17 19 20 21 22 23 25 37 42 43 53 69 77 79 87 95 101 102 103 104 109 110 111 113 115 117 119 123 135 137 139 143 161 179 389 427 465 512 513 514 515 526 530 531 532 540 548 554 556 563 587 601 636 989 990 993 995 1719 1720 1723 2049 3659 4045 4190 5060 5061 6000 6566 6665 6666 6667 6668 6669 6679 6697 10080 " in
    *" $port "*) echo "port $port is one fetch refuses (a WHATWG 'bad port'); pick another for DEMO_PORT / DEMO_SANDBOX_PORT" >&2; exit 2 ;;
  esac
done

if ! command -v pg_isready >/dev/null || ! command -v redis-cli >/dev/null; then
  echo "The demo needs PostgreSQL 15 and Redis 7 on this machine (Debian: apt-get install postgresql redis-server)." >&2
  exit 1
fi

if ! pg_isready -h 127.0.0.1 -q; then pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start; fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -q && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done

[[ -d node_modules ]] || npm ci --no-audit --no-fund
echo "building…"
npm run --silent build

export NODE_ENV=development
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${DEMO_NAME}"
export REDIS_PREFIX="${DEMO_NAME//_/-}"
export PORT="$DEMO_PORT"
export PUBLIC_URL="http://127.0.0.1:${PORT}"
export LOG_LEVEL=info
export SEGMENTATION_REFRESH_CRON=""
# The demo's signed-webhook receiver listens on loopback, which destinations may only use when allowed.
export DESTINATION_ALLOWED_HOSTS="127.0.0.1"
export CRM_ALLOWED_HOSTS="127.0.0.1"   # the sandbox is on loopback
SANDBOX_URL="http://127.0.0.1:${DEMO_SANDBOX_PORT}"
LOGS=".demo/${DEMO_NAME}"
mkdir -p "$LOGS"
pids=()
cleanup() { for p in "${pids[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "fresh database and Redis keys…"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS \"${DEMO_NAME}\" WITH (FORCE)" postgres
redis-cli -h 127.0.0.1 --scan --pattern "${REDIS_PREFIX}*" | xargs -r redis-cli -h 127.0.0.1 unlink >/dev/null
npm run --silent migration:run > "$LOGS/migrate.log"

SANDBOX_PORT="$DEMO_SANDBOX_PORT" SANDBOX_HUBSPOT_CONTACTS=10000 SANDBOX_SALESFORCE_CONTACTS=3000 SANDBOX_SALESFORCE_LEADS=1000 \
  node dist/apps/crm-sandbox/src/main.js > "$LOGS/sandbox.log" 2>&1 & pids+=($!)
node dist/apps/api/src/main.js > "$LOGS/api.log" 2>&1 & pids+=($!)
node dist/apps/worker/src/main.js > "$LOGS/worker-1.log" 2>&1 & pids+=($!)
node dist/apps/worker/src/main.js > "$LOGS/worker-2.log" 2>&1 & pids+=($!)

ADMIN_KEY="$(npm run --silent corridor -- keys create --role admin --name demo | tail -n 1)"
AGENT_KEY="$(npm run --silent corridor -- keys create --role agent --name demo-agent | tail -n 1)"

API_URL="http://127.0.0.1:${PORT}" SANDBOX_URL="$SANDBOX_URL" ADMIN_KEY="$ADMIN_KEY" AGENT_KEY="$AGENT_KEY" \
  node dist/scripts/demo/main.js

if [[ $ONCE == 1 ]]; then exit 0; fi
cat <<MSG

The demo keeps running for you to explore (Ctrl-C stops everything it started):
  API and docs   ${PUBLIC_URL}/docs
  console        ${PUBLIC_URL}/console   (sign in with a key below)
  admin key      ${ADMIN_KEY}
  agent key      ${AGENT_KEY}
  CRM sandbox    ${SANDBOX_URL}
  logs           ${LOGS}/
MSG
trap 'echo; echo "stopping…"; exit 0' INT TERM
sleep infinity & pids+=($!)
wait "$!"
