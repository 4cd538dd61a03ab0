"""Re-score NAB from the per-row model outputs of scripts/nab-dump.ts, for detection experiments.

A variant is a function of one file's dumped columns (numpy arrays by column name, priming rows
first) that returns a new score in [0, 1] for every dumped row; the rows are then reported as
incident onsets the way models/onset.ts does (primed with the priming rows' scores) and scored
with NAB's scorer. Seconds per variant, against minutes for `npm run nab`.

    .venv/bin/python scripts/nab_variants.py DUMP [--nab-dir ../shared/nab]

prints the dumped scores' NAB figures (all files, then per category) and checks that the onset
recomputed here gives back what `npm run nab` reported, and the raw score what the models scored. In
an experiment:

    import nab_variants as nv
    nv.evaluate('DUMP', lambda c: 1 / (1 + np.exp(-2 * (c['raw'] - c['upper']) / c['spread'])))

A variant of the threshold or the page rule replays the pages exactly (`severity_levels`, `pages`), then adds the
bonus to the dumped scaled score as models/page.ts pagedScore does. A variant of E keeps the forest and the models'
calibration (repaged: an approximation, see there):

    w, bonus = nv.meta('DUMP')['forestWeight'], nv.meta('DUMP')['pageBonus']
    nv.evaluate('DUMP', lambda c: nv.repaged(c, nv.hybrid(c, c['extremeness'] / 2, w), bonus))
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from collections import deque

import numpy as np

DAY_MS = 86_400_000
CATEGORIES = ['artificialWithAnomaly', 'realKnownCause', 'realTraffic', 'realAdExchange', 'realTweets']
PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']


def load(dump):
    """{relative path: {column: array}} for every dumped file."""
    files = {}
    for root, _, names in os.walk(dump):
        for name in sorted(names):
            if not name.endswith('.csv'):
                continue
            path = os.path.join(root, name)
            with open(path, newline='') as f:
                rows = list(csv.reader(f))
            header, body = rows[0], rows[1:]
            columns = {h: np.array([float(r[k]) if r[k] != '' else np.nan for r in body]) for k, h in enumerate(header)}
            files[os.path.relpath(path, dump)] = columns
    return files


def meta(dump):
    """What scripts/nab-dump.ts wrote beside the rows: seed, forestWeight, pageBonus."""
    path = os.path.join(dump, 'dump.json')
    if not os.path.exists(path):
        raise SystemExit(f'{path} is missing: the dump was written by an older scripts/nab-dump.ts; run it again')
    return json.load(open(path))


def hybrid(c, e, forest_weight):
    """models/extremeness.ts combinedScore (in float64): the raw score of extremeness E, each row's forest score and anchor."""
    score = 1 - (1 - c['anchor']) ** e
    return score + forest_weight * np.maximum(c['forest'] - score, 0)


def repaged(c, raw, page_bonus):
    """The score the onset takes for new raw scores, on each row's model scale (models/score-csv.ts scaledScore) with
    the page's bonus where the row paged and its new raw score still reaches the model's threshold. An approximation
    for variants that only lower scores: a row never gains a page, the 12-hour page interval is not replayed, and the
    models keep the threshold and scale they calibrated on their training rows' scores as dumped."""
    scaled = 1 / (1 + np.exp(-2 * (raw - c['upper']) / c['spread']))
    page = (c['flag'] == 1) & (raw >= c['threshold'])
    out = (scaled + page_bonus * page) / (1 + page_bonus)
    priming = c['priming'] == 1
    out[priming] = c['paged'][priming]
    return out


def trailing_max(times, values, window_ms, gap_ms):
    """Per row: the largest value of the rows from window_ms to gap_ms before it (0 when there are none)."""
    out = np.zeros(len(values))
    past = deque()  # indices in the window, values strictly decreasing
    added = 0
    for k, t in enumerate(times):
        while added < k and times[added] <= t - gap_ms:
            while past and values[past[-1]] <= values[added]:
                past.pop()
            past.append(added)
            added += 1
        while past and times[past[0]] < t - window_ms:
            past.popleft()
        out[k] = values[past[0]] if past else 0.0
    return out


def severity_levels(c, raw, threshold=None):
    """Per row, 0 (normal) to 4 (critical): core/manifest.ts severityOf with the cut points of models/train.ts calibrate
    (low at the threshold, medium / high / critical a quarter, half and one spread above it, at most 1; the spread
    from the model's training median). `threshold` replaces each row's model threshold where given."""
    threshold = c['threshold'] if threshold is None else threshold
    spread = np.maximum(threshold - c['median'], 1e-6)
    levels = np.zeros(len(raw), int)
    for level, above in enumerate([0, 0.25, 0.5, 1], start=1):
        levels[raw >= np.maximum(threshold, np.minimum(1, threshold + above * spread))] = level
    return levels


def pages(c, levels, interval_ms, escalation):
    """models/page.ts PageInterval over the scored rows: a row of level 1 or more pages unless a page came within
    interval_ms before it at fewer than `escalation` levels below."""
    out = np.zeros(len(levels), bool)
    last_time, last_level = -np.inf, 0
    for k in np.flatnonzero((c['priming'] != 1) & (levels > 0)):
        if c['time'][k] - last_time <= interval_ms and levels[k] < last_level + escalation:
            continue
        out[k], last_time, last_level = True, c['time'][k], levels[k]
    return out


def rolling_quantile(times, values, q, window_ms, least_ms, every_ms=3_600_000):
    """Per row: the q quantile of the values of the rows from window_ms before the start of the row's hour (every_ms) to
    that start, once the file has least_ms of rows before it; +inf elsewhere (experiment 31)."""
    out = np.full(len(values), np.inf)
    bucket = times - times % every_ms
    for start in np.unique(bucket):
        rows = bucket == start
        past = (times >= start - window_ms) & (times < start)
        if past.any() and start - times[0] >= least_ms:
            out[rows] = np.quantile(values[past], q)
    return out


def onsets(times, scores, priming, window_ms=DAY_MS):
    """models/onset.ts: a score stands only when higher than every score of the past window, else 0; priming rows only fill the window."""
    out = np.zeros(len(scores))
    past = deque()  # (time, score), scores strictly decreasing
    for k, (t, s) in enumerate(zip(times, scores)):
        while past and past[0][0] < t - window_ms:
            past.popleft()
        out[k] = s if not past or s > past[0][1] else 0.0
        while past and past[-1][1] <= s:
            past.pop()
        past.append((t, s))
    out[priming] = np.nan
    return out


def write_results(files, variant, nab_dir, out_dir):
    """NAB result files of a variant: every data row, 0 where nothing was scored."""
    for rel, columns in files.items():
        priming = columns['priming'] == 1
        reported = onsets(columns['time'], np.asarray(variant(columns), dtype=float), priming)
        score = {int(i): s for i, s, p in zip(columns['index'], reported, priming) if not p}
        with open(os.path.join(nab_dir, 'data', rel), newline='') as f:
            data = list(csv.reader(f))
        target = os.path.join(out_dir, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, 'w', newline='') as f:
            w = csv.writer(f)
            w.writerow(['timestamp', 'value', 'anomaly_score'])
            for i, row in enumerate(data[1:]):
                w.writerow([row[0], row[1], f'{score.get(i, 0.0):.6f}'])


def score(results_dir, nab_dir, files=None):
    """NAB's scorer on a results folder: {profile: {normalized, threshold, ...}}."""
    with tempfile.NamedTemporaryFile(suffix='.json') as summary:
        command = [sys.executable, os.path.join(nab_dir, 'score.py'), results_dir, '--data-dir', os.path.join(nab_dir, 'data'),
                   '--windows', os.path.join(nab_dir, 'labels', 'combined_windows.json'),
                   '--profiles', os.path.join(nab_dir, 'config', 'profiles.json'), '--quiet', '--json', summary.name]
        if files:
            command += ['--files', files]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        return json.load(open(summary.name))


def evaluate(dump, variant, nab_dir='../shared/nab', name='variant', categories=True):
    """Prints a variant's standard / low FP / low FN over all files, then standard per category."""
    files = load(dump) if isinstance(dump, str) else dump
    with tempfile.TemporaryDirectory() as out:
        write_results(files, variant, nab_dir, out)
        total = score(out, nab_dir)
        line = [name, ' / '.join(f"{total[p]['normalized']:.1f}" for p in PROFILES)]
        if categories:
            line += [f"{c} {score(out, nab_dir, c)['standard']['normalized']:.1f}" for c in CATEGORIES]
    print(' | '.join(line), flush=True)
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('dump', help='the folder scripts/nab-dump.ts wrote')
    parser.add_argument('--nab-dir', default='../shared/nab')
    args = parser.parse_args()
    files = load(args.dump)
    worst = 0.0
    for columns in files.values():
        priming = columns['priming'] == 1
        again = onsets(columns['time'], columns['paged'], priming)
        worst = max(worst, float(np.nanmax(np.abs(again[~priming] - columns['reported'][~priming]), initial=0.0)))
    print(f'onset recomputed from the dumped scores: largest difference from what npm run nab reported {worst:.2e}')
    dumped = meta(args.dump)
    forest_weight = dumped['forestWeight']
    worst_raw = max(float(np.max(np.abs(hybrid(c, c['extremeness'], forest_weight) - c['raw']), initial=0.0)) for c in files.values())
    print(f'raw score recomputed from the forest score, E and the anchor: largest difference {worst_raw:.2e}')
    if 'pageIntervalMs' in dumped:
        differ = sum(int(np.sum(pages(c, severity_levels(c, c['raw']), dumped['pageIntervalMs'], dumped['escalationLevels']) != (c['flag'] == 1)))
                     for c in files.values())
        print(f'pages replayed from the raw scores and the models\' thresholds: {differ} rows differ from the dumped flags')
    else:
        print('pages not replayed: dump.json has no pageIntervalMs (written by an older scripts/nab-dump.ts)')
    evaluate(files, lambda c: c['paged'], args.nab_dir, 'as dumped')


if __name__ == '__main__':
    main()
