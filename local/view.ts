/**
 * The live terminal view of `npm start`: one line per host (latest metrics, score, severity, top
 * metric) and the latest detected anomalies. A host whose latest sample is older than `staleAfterMs`
 * shows as stale, not with the severity it last had; hosts in `baselineHosts` are marked as scored by
 * a model that never saw their own history. Pure: state in, text out.
 */
import type { ScoredSample } from '../core/scored-sample.js';

export interface ViewState {
  readonly latest: ReadonlyMap<string, ScoredSample>;
  /** Newest last. */
  readonly anomalies: readonly ScoredSample[];
  readonly counters: Readonly<Record<string, number>>;
  readonly notes: readonly string[];
}

const SHOWN_METRICS = ['cpu_pct', 'mem_used_pct', 'disk_used_pct', 'net_rx_bps'] as const;
const COLOR = { normal: '\x1b[32m', low: '\x1b[36m', medium: '\x1b[33m', high: '\x1b[31m', critical: '\x1b[1;31m' } as const;
const RESET = '\x1b[0m';

function format(metric: string, value: number | undefined): string {
  if (value === undefined) return '-';
  if (metric.endsWith('_bps')) return value >= 1e6 ? `${(value / 1e6).toFixed(1)}M` : `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(1);
}

export interface ViewOptions {
  readonly color?: boolean;
  readonly maxHosts?: number;
  /** A host with no sample for this long is shown as stale. Default: never. */
  readonly staleAfterMs?: number;
  /** Hosts scored by the baseline model trained on simulated hosts, marked `*` with a note. */
  readonly baselineHosts?: ReadonlySet<string>;
}

const BASELINE_NOTE = '* scored by the baseline model trained on simulated hosts, not on its own history';

export function renderView(state: ViewState, now: number, options: ViewOptions = {}): string {
  const color = options.color ?? true;
  const paint = (severity: ScoredSample['severity'], text: string): string => (color ? `${COLOR[severity]}${text}${RESET}` : text);
  const stale = (s: ScoredSample): boolean => options.staleAfterMs !== undefined && now - s.time > options.staleAfterMs;
  const marked = (host: string): boolean => options.baselineHosts?.has(host) === true;
  const header = ['host'.padEnd(18), ...SHOWN_METRICS.map((m) => m.padStart(15)), 'score'.padStart(7), 'severity'.padStart(9), '  top metric', '  age'].join(
    '',
  );
  // Live hosts first, most anomalous first; stale hosts after them.
  const hosts = [...state.latest.values()]
    .sort((a, b) => Number(stale(a)) - Number(stale(b)) || b.score - a.score || a.host.localeCompare(b.host))
    .slice(0, options.maxHosts ?? 25);
  const rows = hosts.map((s) =>
    [
      `${s.host.slice(0, 16)}${marked(s.host) ? '*' : ''}`.padEnd(18),
      ...SHOWN_METRICS.map((m) => format(m, s.metrics[m]).padStart(15)),
      s.score.toFixed(3).padStart(7),
      stale(s) ? 'stale'.padStart(9) : paint(s.severity, s.severity.padStart(9)),
      `  ${(s.anomaly && !stale(s) ? s.topMetric : '').padEnd(14)}`,
      `${Math.max(0, Math.round((now - s.time) / 1000))}s`.padStart(5),
    ].join(''),
  );
  const anomalies = state.anomalies
    .slice(-8)
    .map((s) =>
      paint(s.severity, `  ${new Date(s.time).toISOString().slice(11, 19)}  ${s.host}  ${s.severity}  score ${s.score.toFixed(3)}  top metric ${s.topMetric}`),
    );
  const counters = Object.entries(state.counters)
    .map(([k, v]) => `${k} ${v}`)
    .join('  ·  ');
  return [
    `vigil — ${state.latest.size} hosts  ·  ${counters}`,
    '',
    header,
    ...rows,
    '',
    `latest anomalies${anomalies.length ? '' : ': none yet'}`,
    ...anomalies,
    ...(hosts.some((s) => marked(s.host)) ? ['', BASELINE_NOTE] : []),
    ...(state.notes.length ? ['', ...state.notes] : []),
    '',
    'Ctrl-C stops every process started here.',
  ].join('\n');
}
