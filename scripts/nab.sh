#!/usr/bin/env bash
# Detection quality on the NAB development set: `vigil score-csv` over every data file into a
# temporary folder, then NAB's scorer (standard, reward_low_FP_rate, reward_low_FN_rate).
#   NAB_DIR  the NAB set (default: ../shared/nab next to the repository)
#   extra arguments go to `vigil score-csv` (e.g. --seed 2)
# Current figures and their history: docs/detection.md.
set -euo pipefail
cd "$(dirname "$0")/.."
nab_dir=${NAB_DIR:-../shared/nab}
if [ ! -f "$nab_dir/score.py" ]; then
  echo "nab: no NAB set at $nab_dir (set NAB_DIR to the folder that holds data/, labels/ and score.py)" >&2
  exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
node bin/vigil.js score-csv --in-dir "$nab_dir/data" --out-dir "$out" "$@" >/dev/null
score() { python3 "$nab_dir/score.py" "$out" --data-dir "$nab_dir/data" --windows "$nab_dir/labels/combined_windows.json" --profiles "$nab_dir/config/profiles.json" "$@"; }
score
# Per category, the threshold optimised on that category (as NAB's published per-category figures).
for category in "$nab_dir"/data/*/; do
  echo "== $(basename "$category")"
  score --files "$(basename "$category")"
done
