import { describe, expect, it } from 'vitest';
import type { ScoredSample } from '../../core/scored-sample.js';
import { renderView } from '../../local/view.js';

const base: ScoredSample = {
  host: 'web-1',
  tags: {},
  seq: 1,
  time: 1_000_000,
  metrics: { cpu_pct: 12.34, net_rx_bps: 2_500_000 },
  score: 0.41,
  anomaly: false,
  severity: 'normal',
  confidence: 0.9,
  topMetric: 'cpu_pct',
  rankedMetrics: ['cpu_pct'],
  modelVersion: 'v1',
  recordVersion: 1,
};

describe('terminal view', () => {
  it('lists hosts most anomalous first, with metrics, score, severity and the top metric of anomalies', () => {
    const bad: ScoredSample = {
      ...base,
      host: 'db-7',
      score: 0.81,
      anomaly: true,
      severity: 'critical',
      topMetric: 'mem_used_pct',
      rankedMetrics: ['mem_used_pct'],
      metrics: { mem_used_pct: 97 },
    };
    const text = renderView(
      {
        latest: new Map([
          ['web-1', base],
          ['db-7', bad],
        ]),
        anomalies: [bad],
        counters: { scored: 2 },
        notes: ['prometheus not installed'],
      },
      1_004_000,
      { color: false },
    );
    const lines = text.split('\n');
    const db = lines.findIndex((l) => l.startsWith('db-7'));
    const web = lines.findIndex((l) => l.startsWith('web-1'));
    expect(db).toBeGreaterThan(0);
    expect(web).toBeGreaterThan(db);
    expect(lines[db]).toMatch(/0\.810\s+critical\s+mem_used_pct\s+4s/);
    expect(lines[web]).toMatch(/12\.3\s+.*2\.5M\s+0\.410\s+normal/);
    expect(text).toContain('db-7  critical  score 0.810  top metric mem_used_pct');
    expect(text).toContain('vigil — 2 hosts  ·  scored 2');
    expect(text).toContain('prometheus not installed');
  });

  it('says when nothing was detected yet', () => {
    expect(renderView({ latest: new Map(), anomalies: [], counters: {}, notes: [] }, 0, { color: false })).toContain('latest anomalies: none yet');
  });

  it('shows a host that stopped sending as stale, after the live ones, not with the severity it last had', () => {
    const gone: ScoredSample = { ...base, host: 'db-9', time: 1_000_000, score: 0.95, anomaly: true, severity: 'critical', topMetric: 'mem_used_pct' };
    const live: ScoredSample = { ...base, host: 'web-2', time: 1_100_000 };
    const state = {
      latest: new Map([
        ['db-9', gone],
        ['web-2', live],
      ]),
      anomalies: [],
      counters: {},
      notes: [],
    };
    const lines = renderView(state, 1_110_000, { color: false, staleAfterMs: 30_000 }).split('\n');
    const db = lines.find((l) => l.startsWith('db-9'))!;
    expect(db).toMatch(/0\.950\s+stale\s+110s$/);
    expect(db).not.toContain('critical');
    expect(lines.findIndex((l) => l.startsWith('db-9'))).toBeGreaterThan(lines.findIndex((l) => l.startsWith('web-2')));
    // Without the option a host is never stale.
    expect(renderView(state, 1_110_000, { color: false })).toMatch(/db-9.*critical/);
  });

  it('marks hosts scored by the simulated baseline, with a note', () => {
    const state = { latest: new Map([['this-machine', { ...base, host: 'this-machine' }]]), anomalies: [], counters: {}, notes: [] };
    const text = renderView(state, 1_000_000, { color: false, baselineHosts: new Set(['this-machine']) });
    expect(text).toMatch(/^this-machine\*/m);
    expect(text).toContain('* scored by the baseline model trained on simulated hosts, not on its own history');
    expect(renderView(state, 1_000_000, { color: false })).not.toContain('baseline');
  });
});
