#!/bin/sh
# Which Corridor process this container runs. exec: the process gets the signals (graceful stop).
set -e
command="${1:-api}"
[ "$#" -gt 0 ] && shift
case "$command" in
  api) exec node dist/apps/api/src/main.js "$@" ;;
  worker) exec node dist/apps/worker/src/main.js "$@" ;;
  sandbox) exec node dist/apps/crm-sandbox/src/main.js "$@" ;;
  migrate) exec node dist/apps/cli/src/main.js migrate "$@" ;;
  corridor) exec node dist/apps/cli/src/main.js "$@" ;;
  *) exec "$command" "$@" ;;
esac
