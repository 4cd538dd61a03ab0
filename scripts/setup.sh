#!/usr/bin/env bash
# Installs the system pieces the tests and `npm start` use. Idempotent: skips what is there.
#   - Prometheus and Alertmanager (Debian packages), for the remote-write sink and the alert rules
#   - moto_server in a project-local Python virtual environment (.venv), the local AWS endpoint
#   - LocalStack community and kinesis-mock in .localstack/ (scripts/setup-localstack.sh), the other one
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v prometheus >/dev/null || need+=(prometheus)
command -v promtool >/dev/null || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null || command -v alertmanager >/dev/null || need+=(prometheus-alertmanager)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian starts the packaged services; the tests start their own on free loopback ports.
  for service in prometheus prometheus-alertmanager prometheus-node-exporter; do
    $sudo systemctl disable --now "$service" >/dev/null 2>&1 || true
  done
fi

moto_requirement=$(sed -n "s/^export const MOTO_REQUIREMENT = '\(.*\)';$/\1/p" local/moto.ts)
if [ ! -x .venv/bin/moto_server ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "$moto_requirement"
fi
echo "setup: prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}'), $(.venv/bin/pip show moto 2>/dev/null | sed -n 's/^Version: /moto /p')"

# --- LocalStack (issue 21): the second local AWS endpoint, in .localstack/ of this project. ---
bash scripts/setup-localstack.sh
