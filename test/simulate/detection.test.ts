import { describe, expect, it } from 'vitest';
import type { ScoredSample } from '../../core/scored-sample.js';
import { DetectionTracker } from '../../simulate/detection.js';
import type { Incident } from '../../simulate/incidents.js';

const T0 = Date.UTC(2026, 10, 21, 12);
const HOSTS = ['a', 'b', 'c'];

function scored(host: string, time: number, anomaly: boolean, topMetric = 'cpu_pct'): ScoredSample {
  return {
    host,
    tags: {},
    seq: Math.round((time - T0) / 10_000),
    time,
    metrics: { cpu_pct: 1 },
    score: anomaly ? 0.7 : 0.4,
    anomaly,
    severity: anomaly ? 'high' : 'normal',
    confidence: 0.8,
    topMetric,
    rankedMetrics: [topMetric],
    modelVersion: 'm1',
    recordVersion: 1,
  };
}

/** Every host reports every 10 s over [T0, T0 + seconds); `anomalous(host, t)` decides the flag; silent hosts skip. */
function drive(
  tracker: DetectionTracker,
  seconds: number,
  anomalous: (host: string, t: number) => boolean,
  silent: (host: string, t: number) => boolean = () => false,
): void {
  for (let t = T0; t < T0 + seconds * 1000; t += 10_000) {
    for (const host of HOSTS) if (!silent(host, t)) tracker.observe(scored(host, t, anomalous(host, t), host === 'a' ? 'mem_used_pct' : 'cpu_pct'));
    tracker.checkAll(t);
  }
}

const leak: Incident = { id: 'leak', kind: 'memory_leak', host: 'a', start: T0 + 60_000, end: T0 + 200_000, intensity: 1 };
const silence: Incident = { id: 'quiet', kind: 'host_silent', host: 'b', start: T0 + 95_000, end: T0 + 300_000, intensity: 1 };

describe('detection tracker', () => {
  it('reports when each incident was detected, what it blamed, and the median delay', () => {
    const tracker = new DetectionTracker([leak, silence], HOSTS, T0, { intervalSeconds: 10 }); // two anomalous samples in a row make an alarm
    drive(
      tracker,
      300,
      (host, t) => host === 'a' && t >= T0 + 80_000 && t < T0 + 200_000,
      (host, t) => host === 'b' && t >= silence.start,
    );
    const report = tracker.report(T0 + 300_000);
    expect(report.incidents).toEqual([
      // anomalous from T0+80 s, confirmed by the second sample at T0+90 s: 30 s after the start
      {
        id: 'leak',
        kind: 'memory_leak',
        host: 'a',
        start: new Date(leak.start).toISOString(),
        end: new Date(leak.end).toISOString(),
        detected: true,
        secondsToDetection: 30,
        topMetric: 'mem_used_pct',
      },
      // last sample at T0+90 s, silent from T0+95 s: the alarm fires 30 s after the last sample, 25 s in.
      {
        id: 'quiet',
        kind: 'host_silent',
        host: 'b',
        start: new Date(silence.start).toISOString(),
        end: new Date(silence.end).toISOString(),
        detected: true,
        secondsToDetection: 25,
        topMetric: 'silence',
      },
    ]);
    expect(report).toMatchObject({
      hosts: 3,
      confirmSamples: 2,
      detected: 2,
      missed: 0,
      medianSecondsToDetection: 27.5,
      falseAlarms: 0,
      falseAlarmsOnHealthyHosts: 0,
    });
  });

  it('counts one false alarm per run of anomalous samples outside every incident, on any host', () => {
    const tracker = new DetectionTracker([leak], HOSTS, T0, { intervalSeconds: 10, graceSeconds: 30, confirmSamples: 1 });
    const blips = new Set([`c@${T0 + 20_000}`, `c@${T0 + 30_000}`, `c@${T0 + 100_000}`, `a@${T0 + 10_000}`, `a@${T0 + 250_000}`]);
    drive(tracker, 300, (host, t) => blips.has(`${host}@${t}`));
    const report = tracker.report(T0 + 300_000);
    expect(report.falseAlarms).toBe(4); // c twice (20-30 s is one run, 100 s another), a before its incident and after the grace
    expect(report.falseAlarmsOnHealthyHosts).toBe(2);
    expect(report.falseAlarmList.map((a) => a.host).sort()).toEqual(['a', 'a', 'c', 'c']);
    expect(report.incidents[0]!.detected).toBe(false);
    expect(report.missed).toBe(1);
    expect(report.medianSecondsToDetection).toBeNull();
  });

  it('by default a single anomalous sample is no alarm, two in a row are', () => {
    const tracker = new DetectionTracker([leak], HOSTS, T0, { intervalSeconds: 10 });
    drive(tracker, 300, (host, t) => (host === 'c' && t === T0 + 20_000) || (host === 'a' && t >= T0 + 70_000));
    const report = tracker.report(T0 + 300_000);
    expect(report.falseAlarms).toBe(0);
    expect(report.incidents[0]!.secondsToDetection).toBe(20); // anomalous at 70 s and 80 s: confirmed at 80 s
  });

  it('an alarm within the grace period after an incident still detects it', () => {
    const tracker = new DetectionTracker([leak], HOSTS, T0, { intervalSeconds: 10, graceSeconds: 60, confirmSamples: 1 });
    drive(tracker, 300, (host, t) => host === 'a' && t === leak.end + 30_000);
    expect(tracker.report(T0 + 300_000).incidents[0]).toMatchObject({ detected: true, secondsToDetection: 170 });
  });

  it('a host that stops reporting without an incident is a false alarm', () => {
    const tracker = new DetectionTracker([], HOSTS, T0, { intervalSeconds: 10, silenceSeconds: 45 });
    drive(
      tracker,
      300,
      () => false,
      (host, t) => host === 'c' && t >= T0 + 100_000 && t < T0 + 200_000,
    );
    const report = tracker.report(T0 + 300_000);
    expect(report.falseAlarmList).toEqual([{ host: 'c', at: new Date(T0 + 90_000 + 45_000).toISOString(), reason: 'no sample for 45 s' }]);
  });

  it('rejects samples of unknown hosts and bad options', () => {
    const tracker = new DetectionTracker([], HOSTS, T0, { intervalSeconds: 10 });
    expect(() => tracker.observe(scored('zz', T0, true))).toThrow(/host "zz", which is not a simulated host/);
    expect(() => new DetectionTracker([], HOSTS, T0, { intervalSeconds: 0 })).toThrow(/intervalSeconds must be > 0; got 0/);
    expect(() => new DetectionTracker([], HOSTS, T0, { intervalSeconds: 10, confirmSamples: 0 })).toThrow(/confirmSamples must be a whole number >= 1; got 0/);
    expect(() => new DetectionTracker([{ ...leak, host: 'q' }], HOSTS, T0, { intervalSeconds: 10 })).toThrow(/host "q", which is not among the 3 hosts/);
  });
});
