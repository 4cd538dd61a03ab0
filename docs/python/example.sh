#!/usr/bin/env bash
# The worked example of docs/python-models.md, run as written by test/models/python-example.test.ts.
# Run it in a folder holding history.csv (timestamp,<metric>...). VIGIL (default: npx vigil) and
# PYTHON (default: .venv/bin/python of this checkout) name the commands.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vigil() { ${VIGIL:-npx vigil} "$@"; }
python="${PYTHON:-$here/../../.venv/bin/python}"

# 1. The features the agent computes, for every row after the first day (the features' warm-up).
vigil features --in history.csv --out features.csv --skip-warm-up
# 2. Train in Python: scikit-learn's Isolation Forest, exported to ONNX by skl2onnx.
"$python" "$here/train_isolation_forest.py" features.csv model.onnx
# 3. Wrap it to vigil's model contract and calibrate its threshold on the same history.
vigil import-onnx --onnx model.onnx --higher-is normal --calibrate history.csv --contamination 0.01 --name sklearn-iforest --out model
# 4. Then publish it like any model: vigil publish --model model --bucket <ModelBucket output>
