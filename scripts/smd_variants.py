"""Re-score SMD from the per-row model outputs of `scripts/smd-experiment.ts --dump`, for detection experiments.

A variant is a function of one machine's dump (a dict: `distances`, the signed (x - center) / reach of
every extremeness feature per row, float32 [rows, features]; `forest`, the forest's score per row;
`features`, the feature names; `train_rows`, the rows of the train half after the warm-up, which come
first; `threshold`, the model's own threshold; `anchor`, the extremeness branch's threshold;
`forest_weight`, the forest's share in the hybrid score; `corroboration`, the weight of each further metric in E;
`contamination` and `ceiling`, what the own threshold was calibrated with; `center` and `reach` per feature, so
`center + distances * reach` gives the features back) that returns (score, flag) for every row; the test rows are written as RESULTS/<machine>.csv and scored
with the set's scorer. Seconds per variant, against a minute for the experiment loop.

    npx tsx scripts/smd-experiment.ts --seed 1 --dump --out DUMP
    .venv/bin/python scripts/smd_variants.py DUMP [--smd-dir ../shared/smd]

prints the dumped model's figures recomputed here (they match the experiment loop's). In an experiment:

    import smd_variants as sv
    sv.evaluate('DUMP', lambda m: (sv.hybrid(m), sv.hybrid(m) >= m['threshold'] / 2))
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

def load(dump):
    """{machine: dump} for every machine the experiment loop dumped."""
    machines = {}
    for name in sorted(os.listdir(dump)):
        if not name.endswith('.json') or name == 'score.json':
            continue
        machine = name[:-5]
        meta = json.load(open(os.path.join(dump, name)))
        missing = [key for key in ('ceiling', 'center', 'reach') if key not in meta]
        if missing:
            raise SystemExit(f'{os.path.join(dump, name)} has no {", ".join(missing)}: the dump was written by an older scripts/smd-experiment.ts --dump; run it again')
        width = len(meta['features'])
        machines[machine] = {
            'distances': np.fromfile(os.path.join(dump, f'{machine}.distances.f32'), dtype=np.float32).reshape(-1, width),
            'forest': np.fromfile(os.path.join(dump, f'{machine}.forest.f64')),
            'features': meta['features'],
            'train_rows': meta['trainRows'],
            'test_rows': meta['testRows'],
            'threshold': meta['threshold'],
            'anchor': meta['anchor'],
            'forest_weight': meta['forestWeight'],
            'corroboration': meta['corroboration'],
            'contamination': meta['contamination'],
            'ceiling': meta['ceiling'],
            'center': np.array(meta['center']),
            'reach': np.array(meta['reach']),
        }
    return machines


def compressed(d):
    """models/extremeness.ts compressedExtremeness: d up to 1, 1 + ln d beyond."""
    return np.minimum(d, 1 + np.log(np.maximum(d, 1)))


def per_metric(m, distances=None):
    """Per row and metric (in the features' order): the largest |distance| of the metric's features, compressed."""
    d = np.abs(m['distances'] if distances is None else distances)
    metrics = [name[:name.rindex('.')] for name in m['features']]
    order = list(dict.fromkeys(metrics))
    return compressed(np.column_stack([d[:, [k for k, x in enumerate(metrics) if x == metric]].max(axis=1) for metric in order]))


def corroborated(m, metric_distances):
    """E of per-metric distances: from the largest down, weighted corroboration^rank, summed."""
    ranked = -np.sort(-metric_distances, axis=1)
    return ranked @ (m['corroboration'] ** np.arange(ranked.shape[1]))


METRIC_EVIDENCE_CAP = float(np.float32(1 + np.log(10)))  # models/extremeness.ts: a metric counts in E up to ten reaches out


def capped_extremeness(m, d, past=None, lone_rows=1):
    """models/extremeness.ts extremenessOf (in float64) of per-metric compressed distances `d` and their habituation
    input `past` (none: zeros): each metric counted up to METRIC_EVIDENCE_CAP less 0.5 x its past counted alike, never
    below 0, corroborated; at least the always-anomalous E (two metrics at the cap; one on a one-metric host) where one
    metric's habituated distance, uncapped, reaches it (experiment 30) on this row and the `lone_rows` - 1 rows before,
    rows before the first counting as far out (experiment 32: the model takes 2 with the host's memory, 1 without)."""
    past = np.zeros_like(d) if past is None else past
    capped = np.maximum(np.minimum(d, METRIC_EVIDENCE_CAP) - 0.5 * np.minimum(past, METRIC_EVIDENCE_CAP), 0)
    lone = float(np.float32(METRIC_EVIDENCE_CAP + np.float32(METRIC_EVIDENCE_CAP * m['corroboration']))) if d.shape[1] > 1 else METRIC_EVIDENCE_CAP
    beyond = np.maximum(d - 0.5 * past, 0) >= lone
    held = beyond.copy()
    for k in range(1, lone_rows):
        held[k:] &= beyond[:-k]
    return np.maximum(corroborated(m, capped), np.where(held.any(axis=1), lone, 0))


def extremeness(m, distances=None):
    """E as training scores its rows, without the habituation: per metric its features' largest |distance|, compressed,
    then capped and corroborated (capped_extremeness)."""
    return capped_extremeness(m, per_metric(m, distances))


def habituated_extremeness(m, distances=None):
    """E as the model scores it: each metric's habituation input its largest distance in an excursion that ended in the
    past 4 hours, from 30 minutes back, excursions 10 minutes apart merged (model-store/habituation.ts
    DEFAULT_HABITUATION; SMD's rows are a minute apart, the dump's train rows followed by its test rows), then
    capped_extremeness with the lone metric on two rows in a row (the memory's previous sample, decision 0012)."""
    d = per_metric(m, distances)
    return capped_extremeness(m, d, past_of_ended_excursions(d, 240, 30, 10), lone_rows=2)


def hybrid(m, e=None):
    """models/extremeness.ts hybridScore: E (extremeness) mapped onto the anchor, plus the forest's share above it; each
    step rounded to float32 as the model does, so a row scored exactly at a float32 threshold (a lone metric at the
    ceiling) flags here as it does there. Without `e`, the E the model scores with (habituated_extremeness)."""
    f32 = lambda x: np.asarray(x, np.float64).astype(np.float32).astype(np.float64)
    e = habituated_extremeness(m) if e is None else e
    score = f32(1 - f32(np.exp(f32(f32(e) * f32(np.log(1 - m['anchor']))))))
    return f32(score + f32(f32(np.maximum(f32(m['forest'] - score), 0)) * f32(m['forest_weight'])))


def own_flags(m, score):
    """models/train.ts calibrate on the training rows' scores: the threshold just above the highest score not among
    the top `contamination` share, never above the ceiling; a row flags at or above it."""
    train = np.sort(np.asarray(score[:m['train_rows']], float))
    highest_normal = train[len(train) - 1 - int(np.floor(m['contamination'] * len(train)))]
    return np.asarray(score) >= min(highest_normal + 1e-6, m['ceiling'])


def trailing_max(x, window, gap=1):
    """Per row t and column: the largest value of rows t - window to t - gap (0 before the first row), window >= gap >= 1.
    O(rows) whatever the window: van Herk / Gil-Werman block prefix and suffix maxima."""
    x = np.asarray(x, float).reshape(len(x), -1)
    span = window - gap + 1
    blocks = -(-len(x) // span)
    padded = np.full((blocks * span, x.shape[1]), -np.inf)
    padded[:len(x)] = x
    by_block = padded.reshape(blocks, span, -1)
    prefix = np.maximum.accumulate(by_block, axis=1).reshape(-1, x.shape[1])[:len(x)]
    suffix = np.maximum.accumulate(by_block[:, ::-1], axis=1)[:, ::-1].reshape(-1, x.shape[1])[:len(x)]
    ending = prefix.copy()  # ending[s]: the largest of rows s - span + 1 to s
    if span <= len(x):
        ending[span - 1:] = np.maximum(suffix[:len(x) - span + 1], prefix[span - 1:])
    out = np.zeros_like(x)
    if gap < len(x):
        out[gap:] = ending[:len(x) - gap]
    return out


def range_max(x, lo, hi):
    """Per row k: the largest of x[lo[k]..hi[k]] (inclusive; -inf where hi < lo). A sparse table: O(n log n)."""
    table = [np.asarray(x, float)]
    while 2 ** len(table) <= len(x):
        span = 2 ** (len(table) - 1)
        table.append(np.maximum(table[-1][:-span], table[-1][span:]))
    out = np.full(len(lo), -np.inf)
    valid = hi >= lo
    level = np.zeros(len(lo), int)
    level[valid] = np.floor(np.log2(hi[valid] - lo[valid] + 1)).astype(int)
    for k in np.unique(level[valid]):
        rows = valid & (level == k)
        out[rows] = np.maximum(table[k][lo[rows]], table[k][hi[rows] - 2 ** k + 1])
    return out


def current_excursion_start(beyond, tol):
    """Per row: the first row of the excursion it belongs to (a run of rows where `beyond` holds, runs fewer than `tol`
    rows apart merged, a row up to `tol` rows after one counting as in it), or the row itself when it is in none."""
    beyond = np.asarray(beyond, bool)
    rows = np.arange(len(beyond))
    at = np.flatnonzero(beyond)
    opens = np.diff(at, prepend=-tol - 2) > tol  # the first row beyond always opens a run
    run_start = np.zeros(len(beyond), int)
    run_start[at] = at[opens][np.cumsum(opens) - 1]
    last_beyond = np.maximum.accumulate(np.where(beyond, rows, -1))
    inside = (last_beyond >= 0) & (rows - last_beyond <= tol)
    return np.where(inside, run_start[np.maximum(last_beyond, 0)], rows)


def past_of_ended_excursions(d, window, gap, tol, beyond=None):
    """Per row t and column: the largest distance of 1 or more of rows t - window to t - gap that lie before the
    column's current excursion (a run of rows at or beyond 1, runs fewer than `tol` rows apart merged); 0 if none.
    The excursion in progress never counts: only excursions that have ended do (experiment 26). `beyond`, a boolean
    array shaped like d, says which rows are in an excursion instead of d >= 1 (then their distances count whatever
    they are; experiment 27)."""
    d = np.asarray(d, float).reshape(len(d), -1)
    rows = np.arange(len(d))
    out = np.zeros_like(d)
    for j in range(d.shape[1]):
        beyond_j = d[:, j] >= 1 if beyond is None else np.asarray(beyond)[:, j]
        start = current_excursion_start(beyond_j, tol)
        past = range_max(np.where(beyond_j, d[:, j], 0), np.maximum(rows - window, 0), np.minimum(rows - gap, start - 1))
        out[:, j] = np.maximum(past, 0)
    return out


def past_at_same_time(d, period, half_width, days, tol=10):
    """Per row t and column: the largest distance of 1 or more of rows t - k x period +- half_width, k = 1..days (the same
    time of day on each of the past `days` days when period is a day of rows), before the column's current excursion
    (runs fewer than `tol` rows apart merged), 0 if none: a host's memory of what the metric did at this hour on the
    days before (experiment 29)."""
    d = np.asarray(d, float).reshape(len(d), -1)
    rows = np.arange(len(d))
    out = np.zeros_like(d)
    for j in range(d.shape[1]):
        beyond_j = d[:, j] >= 1
        start = current_excursion_start(beyond_j, tol)
        values = np.where(beyond_j, d[:, j], 0)
        for k in range(1, days + 1):
            lo, hi = np.maximum(rows - k * period - half_width, 0), np.minimum(rows - k * period + half_width, start - 1)
            out[:, j] = np.maximum(out[:, j], range_max(values, lo, hi))
    return out


def levels_outside_history(m, days=7, share=0.005, every=60, rows_per_day=1440, least=720):
    """Per row and metric (in per_metric's order): whether the metric's level lies outside the range its own past
    `days` of rows kept it in (below their `share` quantile or above their 1 - `share` quantile, recomputed every
    `every` rows; False until `least` rows of history), an excursion a host can find without the model (experiment 27)."""
    names = m['features']
    level = [k for k, name in enumerate(names) if name.endswith('.level')]
    x = m['center'][level] + np.asarray(m['distances'][:, level], float) * m['reach'][level]
    outside = np.zeros(x.shape, bool)
    for s in range(0, len(x), every):
        past = x[max(0, s - days * rows_per_day):s]
        if len(past) < least:
            continue
        high, low = np.quantile(past, 1 - share, axis=0), np.quantile(past, share, axis=0)
        outside[s:s + every] = (x[s:s + every] > high) | (x[s:s + every] < low)
    return outside


def rolling_quantile(score, q, window, first=0, every=60, least=1440):
    """Per row: the q quantile of the scores of rows max(first, s - window) to s - 1, s the row's hour (recomputed
    every `every` rows), where those rows number at least `least`; +inf elsewhere. With first = the first test row,
    only the scores the model gave after its training count (experiment 31)."""
    score = np.asarray(score, float)
    out = np.full(len(score), np.inf)
    for s in range(first, len(score), every):
        past = score[max(first, s - window):s]
        if len(past) >= least:
            out[s:s + every] = np.quantile(past, q)
    return out


def skewed(m, reach_factor, center_shift, seed=0):
    """The signed distances of the same rows in another branch's units, as a host holding an older model's branch would
    compute them: each feature's reach multiplied or divided (at random) by `reach_factor` and its center moved up or
    down by `center_shift` of its reach (experiment 27)."""
    rng = np.random.default_rng(seed)
    width = len(m['features'])
    shift = rng.choice([-1.0, 1.0], width) * center_shift
    factor = np.where(rng.random(width) < 0.5, reach_factor, 1 / reach_factor)
    return (np.asarray(m['distances'], float) - shift) / factor


def habituated(m, window, gap, weight, floor=True, past_at_least=0.0, current_excursion_only=False):
    """E with each metric's distance less `weight` times its largest distance of rows t - window to t - gap, never
    below the distance itself up to 1 (or 0 with floor=False): a metric already this far out in the past window
    counts less. A past distance below `past_at_least` (1: within the metric's reach) does not count; with
    current_excursion_only, only the rows of the metric's current run beyond its reach count (experiment 25 in
    docs/detection.md)."""
    d = per_metric(m)
    if current_excursion_only:
        past = np.zeros_like(d)
        for j in range(d.shape[1]):
            edges = np.flatnonzero(np.diff(np.r_[0, (d[:, j] >= 1).astype(int), 0]))
            for start, end in zip(edges[::2], edges[1::2]):
                past[start:end, j] = trailing_max(d[start:end, j], window, gap)[:, 0]
    else:
        past = trailing_max(d, window, gap)
    past[past < past_at_least] = 0
    return corroborated(m, np.maximum(d - weight * past, np.minimum(d, 1) if floor else 0))


def evaluate(dump, variant, smd_dir='../shared/smd', name='variant'):
    """Prints a variant's composite F1 at the best threshold and at its flags, incidents found and false-alarm episodes."""
    machines = load(dump) if isinstance(dump, str) else dump
    with tempfile.TemporaryDirectory() as out:
        for machine, m in machines.items():
            score, flag = variant(m)
            n = m['test_rows']
            rows = np.column_stack([np.asarray(score, float)[-n:], np.asarray(flag, int)[-n:]])
            np.savetxt(os.path.join(out, f'{machine}.csv'), rows, delimiter=',', header='score,flag', comments='', fmt=['%.9f', '%d'])
        summary = os.path.join(out, 'score.json')
        subprocess.run([sys.executable, os.path.join(smd_dir, 'score.py'), out, '--data-dir', os.path.join(smd_dir, 'data'),
                        '--machines', *machines, '--json', summary], check=True, stdout=subprocess.DEVNULL)
        result = json.load(open(summary))
    s = result['summary']
    per_machine = ' '.join(f"{k} {v['best']['composite']['f1']:.3f}/{v['own']['composite_f1']:.3f}/{v['own']['false_alarm_episodes']}"
                           for k, v in result['machines'].items())
    print(f"{name}: best {s['composite_f1_best']:.3f}, own {s['composite_f1_own']:.3f}, found {s['segments_found_own']}, "
          f"false-alarm episodes {s['false_alarm_episodes_own']} | {per_machine}", flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('dump', help='the folder `scripts/smd-experiment.ts --dump --out` wrote')
    parser.add_argument('--smd-dir', default='../shared/smd')
    args = parser.parse_args()
    machines = load(args.dump)
    for machine, m in machines.items():
        # Training calibrates on scores without the habituation (the memory is the scoring function's).
        trained = hybrid(m, extremeness(m))
        differ = int(np.sum(own_flags(m, trained) != (trained >= m['threshold'])))
        print(f'{machine}: threshold recalibrated here (own_flags) flags {differ} rows differently from the model\'s own', flush=True)
    evaluate(machines, lambda m: (hybrid(m), hybrid(m) >= m['threshold']), args.smd_dir, 'as dumped')


if __name__ == '__main__':
    main()
