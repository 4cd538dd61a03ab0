#!/usr/bin/env bash
# Installs LocalStack community (a host process, no Docker) into .localstack/ of this project:
#   - .localstack/venv      localstack-core[runtime] from PyPI, pinned, with LocalStack's own pinned
#                           runtime requirements as constraints (local/localstack-constraints.txt)
#   - .localstack/packages  kinesis-mock (npm package kinesis-local), which LocalStack's Kinesis runs on
# Idempotent: skips what is installed at the pinned versions. Writes nothing outside the project:
# pip without a cache, npm, plux and temporary files under .localstack/.
#   bash scripts/setup-localstack.sh [--quiet] [DIR]
#     DIR      install into DIR instead (the bench measures a fresh install)
#     --quiet  say nothing when it is installed already (scripts/setup.sh on every first-use check)
set -euo pipefail
cd "$(dirname "$0")/.."

quiet=false
if [ "${1:-}" = --quiet ]; then
  quiet=true
  shift
fi

requirement=$(sed -n "s/^export const LOCALSTACK_REQUIREMENT = '\(.*\)';$/\1/p" local/localstack.ts)
kinesis_mock=$(sed -n "s/^export const KINESIS_MOCK_VERSION = '\(.*\)';$/\1/p" local/localstack.ts)
constraints=local/localstack-constraints.txt
home=$(realpath -m "${1:-.localstack}")
marker="$home/installed"
wanted="$requirement kinesis-local@$kinesis_mock $(sha256sum "$constraints" | cut -c1-16)"

if [ -f "$marker" ] && [ "$(cat "$marker")" = "$wanted" ] && [ -x "$home/venv/bin/python" ]; then
  $quiet || echo "setup: $requirement, kinesis-local $kinesis_mock (installed)"
  exit 0
fi
echo "setup: installing $requirement and kinesis-local $kinesis_mock into $home (PyPI and npm, a minute or more)"
started=$(date +%s)
mkdir -p "$home/tmp" "$home/cache" "$home/packages"
export TMPDIR="$home/tmp" XDG_CACHE_HOME="$home/cache" npm_config_cache="$home/cache/npm" npm_config_update_notifier=false
rm -f "$marker"
[ -x "$home/venv/bin/python" ] || python3 -m venv "$home/venv"
"$home/venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir "$requirement" -c "$constraints"
# LocalStack's package manager installs kinesis-mock from the npm registry into FILESYSTEM_ROOT.
OVERRIDE_IN_DOCKER=0 FILESYSTEM_ROOT="$home/packages" KINESIS_MOCK_VERSION="$kinesis_mock" \
  "$home/venv/bin/python" -m localstack.cli.lpm install kinesis-mock >/dev/null
echo "$wanted" >"$marker"
echo "setup: $requirement, kinesis-local $kinesis_mock installed in $(($(date +%s) - started)) s, $(du -sm "$home" | cut -f1) MB"
