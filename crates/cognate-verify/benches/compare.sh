#!/usr/bin/env bash
# Benchmarks cognate-verify against aws-jwt-verify (Node) on the same tokens, one core each:
# verifications per second of one repeated token and of 1,000 distinct tokens, with and without
# cognate-verify's verified-token cache, then the ratios.
#
#   bash crates/cognate-verify/benches/compare.sh [SECONDS_PER_CASE]
#
# aws-jwt-verify comes from interop/node/node_modules (pinned in interop/node/package.json), or
# from $AWS_JWT_VERIFY_DIR. Both run pinned to CPU 0 (taskset -c 0) when taskset exists.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd -- "$here/../../.." && pwd)"
seconds="${1:-2}"
node_dir="${AWS_JWT_VERIFY_DIR:-$repo/interop/node}"
work="$(mktemp -d)"
trap 'rm -rf -- "$work"' EXIT

pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi

if [[ ! -d "$node_dir/node_modules/aws-jwt-verify" ]]; then
  if [[ -z "${AWS_JWT_VERIFY_DIR:-}" && -x "$repo/scripts/install-interop" ]]; then
    echo "compare: installing the interop tools (scripts/install-interop)" >&2
    bash "$repo/scripts/install-interop"
  elif [[ -f "$node_dir/package-lock.json" ]]; then
    (cd -- "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  fi
fi

echo "compare: building the bench (all cores)" >&2
(cd -- "$repo" && cargo bench -p cognate-verify --bench throughput --no-run >&2 2>/dev/null) ||
  (cd -- "$repo" && cargo bench -p cognate-verify --bench throughput --no-run >&2)

echo "compare: cognate-verify, one core" >&2
(cd -- "$repo" && "${pin[@]}" cargo bench -q -p cognate-verify --bench throughput -- \
  --export "$work" --seconds "$seconds")

if [[ -d "$node_dir/node_modules/aws-jwt-verify" ]] && command -v node >/dev/null 2>&1; then
  echo "compare: aws-jwt-verify, one core" >&2
  AWS_JWT_VERIFY_DIR="$node_dir" "${pin[@]}" node "$here/aws-jwt-verify.mjs" "$work" "$seconds"
else
  echo "compare: aws-jwt-verify not found in $node_dir/node_modules; run scripts/install-interop" >&2
  exit 1
fi
