#!/usr/bin/env bash
# Registers trendflow's custom search attributes (temporal-config/search-attributes.json, keys
# starting with "_" are comments) in one namespace. Run by the one-shot `temporal-setup` service
# (temporalio/admin-tools image: bash, jq and the `temporal` CLI).
# Idempotent: attributes already present are skipped, and an "already exists" answer is not an error.
#   env: TEMPORAL_ADDRESS (host:port), TEMPORAL_NAMESPACE (default "default"),
#        SEARCH_ATTRIBUTES_FILE (default /config/search-attributes.json)
set -euo pipefail

address="${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS must be set, e.g. temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
file="${SEARCH_ATTRIBUTES_FILE:-/config/search-attributes.json}"
cli="${TEMPORAL_CLI:-temporal}"

# The server's healthcheck already waits for the namespace; this covers running the script by hand.
for attempt in $(seq 1 60); do
  if "$cli" operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; then
    break
  fi
  if [ "$attempt" -eq 60 ]; then
    echo "namespace '$namespace' not reachable at $address after 120 s" >&2
    exit 1
  fi
  sleep 2
done

# "Name Type" per line; fails (set -e) if the file is missing or not a JSON object.
wanted="$(jq -r 'to_entries[] | select(.key | startswith("_") | not) | "\(.key) \(.value)"' "$file")"
existing="$("$cli" operator search-attribute list --namespace "$namespace" --address "$address")"

while read -r name type; do
  [ -n "$name" ] || continue
  if grep -qw -- "$name" <<<"$existing"; then
    echo "search attribute $name: already registered"
    continue
  fi
  if out="$("$cli" operator search-attribute create --namespace "$namespace" --address "$address" \
              --name "$name" --type "$type" 2>&1)"; then
    echo "search attribute $name: created ($type)"
  elif grep -qi 'already exists' <<<"$out"; then
    echo "search attribute $name: already registered"
  else
    echo "search attribute $name ($type): create failed: $out" >&2
    echo "(SQL visibility allows 3 custom Int, 3 KeywordList and 10 Keyword attributes per namespace;" \
         "'temporal operator search-attribute list' shows which are taken)" >&2
    exit 1
  fi
done <<<"$wanted"

echo "search attributes ready in namespace '$namespace'"
