#!/usr/bin/env bash
# Starts `temporal server start-dev` with state in ./data/temporal.db (survives restarts), the Web UI
# on :8233 and trendflow's search attributes (temporal-config/search-attributes.json) pre-registered.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$("$root/scripts/ensure-temporal.sh")"
data_dir="${TRENDFLOW_DATA_DIR:-$root/data}"
mkdir -p "$data_dir"
args=()
while IFS= read -r line; do args+=(--search-attribute "$line"); done < <(
  node -e 'const a=require(process.argv[1]); for (const [k,v] of Object.entries(a)) if (!k.startsWith("_")) console.log(`${k}=${v}`)' \
    "$root/temporal-config/search-attributes.json")
exec "$cli" server start-dev \
  --db-filename "$data_dir/temporal.db" \
  --ip "${TEMPORAL_IP:-127.0.0.1}" --port "${TEMPORAL_PORT:-7233}" \
  --ui-port "${TEMPORAL_UI_PORT:-8233}" \
  --log-level warn \
  "${args[@]}" "$@"
