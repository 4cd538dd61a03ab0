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
own=$(mktemp -d)
trap 'rm -rf "$out" "$own"' EXIT
node bin/vigil.js score-csv --in-dir "$nab_dir/data" --out-dir "$out" "$@" >/dev/null
score() { python3 "$nab_dir/score.py" "$out" --data-dir "$nab_dir/data" --windows "$nab_dir/labels/combined_windows.json" --profiles "$nab_dir/config/profiles.json" "$@"; }
score
# Per category, the threshold optimised on that category (as NAB's published per-category figures).
for category in "$nab_dir"/data/*/; do
  echo "== $(basename "$category")"
  score --files "$(basename "$category")"
done
# The detector at its own operating point: the `flag` column (the row pages its host: the model's own
# threshold, models/page.ts) as the score, with a fixed threshold instead of the one optimised on the labels.
python3 - "$out" "$own/results" <<'PY'
import csv, pathlib, sys
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for path in src.rglob("*.csv"):
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    score, flag = rows[0].index("anomaly_score"), rows[0].index("flag")
    target = dst / path.relative_to(src)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="") as f:
        csv.writer(f).writerows([rows[0]] + [r[:score] + [r[flag]] + r[score + 1 :] for r in rows[1:]])
PY
thresholds=$own/thresholds.json
echo '{"standard": 0.5, "reward_low_FP_rate": 0.5, "reward_low_FN_rate": 0.5}' >"$thresholds"
echo "== the model's own threshold (all files)"
out=$own/results score --thresholds "$thresholds"
