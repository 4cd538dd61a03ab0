#!/usr/bin/env bash
# Detection quality on the SMD development set (../shared/smd/README.md), through the production
# path: for each machine, `vigil train` on the train half (the agent's feature pipeline, the ONNX
# model and its own threshold), then `vigil evaluate` on the test half with the train half as
# history (the pipeline's state carries on, as on a host), writing RESULTS/<machine>.csv with
# score, flag (the model's own threshold) and the ranked top metrics; then the set's scorer and
# the attribution hit rate.
#   SMD_DIR  the SMD set (default: ../shared/smd next to the repository): every machine under data/test
#   SMD_OUT  keep the results (models, scores) in this folder (default: a temporary folder)
#   extra arguments go to `vigil train` (e.g. --seed 2)
set -euo pipefail
cd "$(dirname "$0")/.."
smd_dir=${SMD_DIR:-../shared/smd}
if [ ! -f "$smd_dir/score.py" ] || [ ! -d "$smd_dir/data/test" ]; then
  echo "smd: no SMD set at $smd_dir (set SMD_DIR to the folder that holds data/train, data/test, data/test_label and score.py)" >&2
  exit 1
fi
if [ -n "${SMD_OUT:-}" ]; then
  out=$SMD_OUT
  mkdir -p "$out"
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out/results" "$out/models"
start=2019-01-01T00:00:00Z
for test_file in "$smd_dir"/data/test/*.txt; do
  machine=$(basename "$test_file" .txt)
  node bin/vigil.js train --in "$smd_dir/data/train/$machine.txt" --interval-seconds 60 --start "$start" --out "$out/models/$machine" "$@" >/dev/null
  node bin/vigil.js evaluate --model "$out/models/$machine" --history "$smd_dir/data/train/$machine.txt" --in "$test_file" \
    --labels "$smd_dir/data/test_label/$machine.txt" --interval-seconds 60 --start "$start" \
    --scores-out "$out/results/$machine.csv" --report "$out/models/$machine/evaluation.html" --json >"$out/models/$machine/evaluation.json"
  echo "smd: $machine scored" >&2
done
python3 "$smd_dir/score.py" "$out/results" --data-dir "$smd_dir/data"
node --import tsx scripts/smd-attribution.ts "$out/results" "$smd_dir/data"
