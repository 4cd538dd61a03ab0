#!/usr/bin/env bash
# Installs the vigil agent on a Linux host as a systemd service (idempotent: run it again to upgrade).
#
#   sudo agent/install.sh --stream vigil-metrics --region eu-west-1 [--tag env=prod]... [--executable FILE | --bundle FILE]
#
# For hosts without apt or dnf (those install the vigil-agent package). With --executable, the
# agent's single executable (dist/vigil-agent-linux-<arch>, built by `npx tsx agent/package/build.ts`)
# needs no Node.js on the host. Otherwise the agent is one JavaScript file run by the host's Node.js
# 24 or later (dist/vigil-agent.mjs, built by `npx tsx agent/build.ts` in a checkout with
# dependencies installed; built when missing). Either way `vigil-agent` lands in /usr/local/bin.
# Credentials: give the host an instance role allowing kinesis:PutRecords and
# kinesis:DescribeStreamSummary on the stream; nothing secret goes into the config file.
# VIGIL_INSTALL_ROOT=DIR installs the files under DIR and skips users and systemctl (for packaging and tests).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${VIGIL_INSTALL_ROOT:-/}"
root="${root%/}"
bundle=""
executable=""
stream=""
region=""
tags=()

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "install.sh: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --bundle) bundle="${2:?--bundle needs a file}"; shift 2 ;;
    --executable) executable="${2:?--executable needs a file}"; shift 2 ;;
    --stream) stream="${2:?--stream needs a name}"; shift 2 ;;
    --region) region="${2:?--region needs a region}"; shift 2 ;;
    --tag) [[ "${2:-}" == *=* ]] || die "--tag needs key=value, got '${2:-}'"; tags+=("$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[[ -z "$bundle" || -z "$executable" ]] || die "give --executable or --bundle, not both"
install -d -m 0755 "$root/opt/vigil-agent" "$root/etc/vigil" "$root/etc/systemd/system" "$root/usr/local/bin"
if [[ -n "$executable" ]]; then
  [[ -f "$executable" ]] || die "executable $executable does not exist"
  install -m 0755 "$executable" "$root/usr/local/bin/vigil-agent"
  agent=("$root/usr/local/bin/vigil-agent")
  exec_start="/usr/local/bin/vigil-agent"
else
  node_bin="$(command -v node || true)"
  [[ -n "$node_bin" ]] || die "node not found: install Node.js 24 or later, or give --executable FILE (no Node.js needed)"
  node_bin="$(readlink -f "$node_bin")"
  node_major="$("$node_bin" -p 'process.versions.node.split(".")[0]')"
  (( node_major >= 24 )) || die "Node.js $node_major found; the agent needs 24 or later, or give --executable FILE (no Node.js needed)"
  if [[ -z "$bundle" ]]; then
    bundle="$here/../dist/vigil-agent.mjs"
    if [[ ! -f "$bundle" ]]; then
      echo "building $bundle"
      (cd "$here/.." && npx --no-install tsx agent/build.ts "$bundle") || die "could not build the agent: run npm ci in the checkout, or pass --bundle FILE"
    fi
  fi
  [[ -f "$bundle" ]] || die "bundle $bundle does not exist"
  install -m 0644 "$bundle" "$root/opt/vigil-agent/vigil-agent.mjs"
  # The Node flags of the unit (agent/build.ts AGENT_NODE_FLAGS), so that `vigil-agent check` runs as the service does.
  node_flags="$(sed -n 's#^ExecStart=/usr/bin/node \(.*\) /opt/vigil-agent/vigil-agent.mjs .*#\1#p' "$here/systemd/vigil-agent.service")"
  printf '#!/bin/sh\n# vigil-agent, installed by agent/install.sh: the agent bundle run by Node.js with the service'"'"'s flags.\nexec %s %s /opt/vigil-agent/vigil-agent.mjs "$@"\n' "$node_bin" "$node_flags" > "$root/usr/local/bin/vigil-agent"
  chmod 0755 "$root/usr/local/bin/vigil-agent"
  agent=("$node_bin" "$root/opt/vigil-agent/vigil-agent.mjs")
  exec_start="$node_bin $node_flags /opt/vigil-agent/vigil-agent.mjs"
fi
sed "s#^ExecStart=/usr/bin/node .* /opt/vigil-agent/vigil-agent.mjs #ExecStart=$exec_start #" "$here/systemd/vigil-agent.service" > "$root/etc/systemd/system/vigil-agent.service"
chmod 0644 "$root/etc/systemd/system/vigil-agent.service"

config="$root/etc/vigil/agent.yaml"
if [[ ! -f "$config" ]]; then
  [[ -n "$stream" && -n "$region" ]] || die "no $config yet: give --stream NAME and --region REGION to write it"
  {
    echo "# vigil agent configuration (keys: vigil-agent run --help). Environment VIGIL_AGENT_<KEY> and flags override it."
    echo "stream: $stream"
    echo "region: $region"
    echo "intervalSeconds: 10"
    echo "spoolMaxMb: 128"
    echo "logLevel: info"
    if (( ${#tags[@]} > 0 )); then
      echo "tags:"
      for tag in "${tags[@]}"; do echo "  ${tag%%=*}: \"${tag#*=}\""; done
    fi
  } > "$config"
  chmod 0644 "$config"
  echo "wrote $config"
else
  echo "kept existing $config"
fi

# Validate the configuration before starting anything (exit 78 = invalid config).
"${agent[@]}" --dry-run --count 1 --interval 0.1 --config "$config" > /dev/null \
  || die "the agent does not start with $config: fix it and run install.sh again"

if [[ "$root" != "" ]]; then
  echo "installed under $root (VIGIL_INSTALL_ROOT): no user created, systemd not touched"
  exit 0
fi
id vigil-agent > /dev/null 2>&1 || useradd --system --no-create-home --home-dir /var/lib/vigil-agent --shell /usr/sbin/nologin vigil-agent
systemctl daemon-reload
systemctl enable vigil-agent.service
systemctl restart vigil-agent.service
echo "vigil-agent installed and started; check it with: sudo -u vigil-agent vigil-agent check --config $config"
