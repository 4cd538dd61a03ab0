#!/usr/bin/env bash
# Times the README's quick start as a newcomer meets it: a fresh clone of this repository, `npm ci`,
# `npm run setup`, then `npm start -- --simulate 20 --duration 300`, and reports the seconds from
# the clone to the first detected simulated incident, plus the detection summary.
#   usage: bash scripts/time-quickstart.sh [extra npm start flags]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s.%N)
git clone -q "$repo" "$work/vigil" && cd "$work/vigil"
npm ci --no-audit --no-fund >/dev/null 2>&1
npm run setup >/dev/null
npm start -- --simulate 20 --duration 300 --report "$work/report.json" "$@" >"$work/start.log" 2>&1 || { tail -20 "$work/start.log"; exit 1; }
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const t0 = Number(process.argv[2]) * 1000;
const found = r.incidents.filter((i) => i.detected);
const first = Math.min(...found.map((i) => Date.parse(i.start) + i.secondsToDetection * 1000));
console.log(`clone to first detected incident: ${found.length ? Math.round((first - t0) / 1000) : "-"} s`);
console.log(`detected ${r.detected}/${r.incidents.length}, median ${r.medianSecondsToDetection} s to detection, ${r.falseAlarmsOnHealthyHosts} false alarms on healthy hosts (${r.falseAlarms} in all)`);
for (const i of r.incidents) console.log(`  ${i.kind.padEnd(14)} ${i.host.padEnd(14)} ${i.detected ? `${i.secondsToDetection} s (${i.topMetric})` : "missed"}`);
' "$work/report.json" "$t0"
