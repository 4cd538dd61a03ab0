/**
 * Scores the pipeline against the simulator's ground truth: for each injected incident, whether
 * and how fast the host raised an alarm; every other alarm is a false alarm.
 *
 * An alarm is `confirmSamples` consecutive anomalous samples of one host (one alarm per run of
 * anomalous samples). A silent host raises its alarm when it has sent nothing for
 * `silenceSeconds`, as an absent-data alert rule does.
 */
import type { ScoredSample } from '../core/scored-sample.js';
import type { Incident, IncidentKind } from './incidents.js';

export interface DetectionOptions {
  /** Sampling interval of the hosts, seconds (sets the silence default). */
  readonly intervalSeconds: number;
  /**
   * Consecutive anomalous samples that make an alarm (default 2). With 1, a model calibrated to
   * flag 1% of normal samples raises an alarm every few minutes on a 20-host fleet; two in a row
   * cut that about tenfold for one interval of delay (local/check-detection.ts).
   */
  readonly confirmSamples?: number;
  /** No sample for this long is a silent host (default 3 intervals). */
  readonly silenceSeconds?: number;
  /** Alarms up to this long after an incident ends still belong to it: features look back (default 120). */
  readonly graceSeconds?: number;
}

export interface IncidentOutcome {
  readonly id: string;
  readonly kind: IncidentKind;
  readonly host: string;
  /** ISO-8601 */
  readonly start: string;
  readonly end: string;
  readonly detected: boolean;
  /** Seconds from incident start to the alarm, or null when not detected. */
  readonly secondsToDetection: number | null;
  /** The metric the alarm blamed (`silence` for an absent host), or null. */
  readonly topMetric: string | null;
}

export interface FalseAlarm {
  readonly host: string;
  /** ISO-8601 time of the alarm. */
  readonly at: string;
  readonly reason: string;
}

export interface DetectionReport {
  readonly hosts: number;
  readonly intervalSeconds: number;
  readonly confirmSamples: number;
  readonly incidents: readonly IncidentOutcome[];
  readonly detected: number;
  readonly missed: number;
  /** Median seconds to detection over the detected incidents, or null when none was. */
  readonly medianSecondsToDetection: number | null;
  /** Every alarm outside an incident window, on any host. */
  readonly falseAlarms: number;
  /** The subset on hosts that had no incident at all. */
  readonly falseAlarmsOnHealthyHosts: number;
  readonly falseAlarmList: readonly FalseAlarm[];
}

interface HostState {
  lastSeen: number;
  anomalousRun: number;
  silentAlarmRaised: boolean;
}

interface Detection {
  at: number;
  topMetric: string;
}

export class DetectionTracker {
  private readonly confirmSamples: number;
  private readonly silenceMs: number;
  private readonly graceMs: number;
  private readonly hosts = new Map<string, HostState>();
  private readonly detections = new Map<string, Detection>();
  private readonly falseAlarmList: FalseAlarm[] = [];

  /** `hosts` are every simulated host, `startedAt` when watching began (epoch ms). */
  constructor(
    private readonly incidents: readonly Incident[],
    hosts: readonly string[],
    startedAt: number,
    private readonly options: DetectionOptions,
  ) {
    if (!(options.intervalSeconds > 0))
      throw new Error(`intervalSeconds must be > 0; got ${options.intervalSeconds}: pass the hosts' sampling interval, e.g. 10`);
    this.confirmSamples = options.confirmSamples ?? 2;
    if (!Number.isInteger(this.confirmSamples) || this.confirmSamples < 1) {
      throw new Error(`confirmSamples must be a whole number >= 1; got ${this.confirmSamples}`);
    }
    this.silenceMs = (options.silenceSeconds ?? 3 * options.intervalSeconds) * 1000;
    this.graceMs = (options.graceSeconds ?? 120) * 1000;
    for (const host of hosts) this.hosts.set(host, { lastSeen: startedAt, anomalousRun: 0, silentAlarmRaised: false });
    for (const incident of incidents) {
      if (!this.hosts.has(incident.host))
        throw new Error(`incident ${incident.id} is on host "${incident.host}", which is not among the ${hosts.length} hosts watched`);
    }
  }

  /** Takes one scored sample (in time order per host). Samples of unknown hosts are an error, not ignored. */
  observe(sample: ScoredSample): void {
    const state = this.hosts.get(sample.host);
    if (!state) throw new Error(`scored sample from host "${sample.host}", which is not a simulated host: watch only the simulated fleet's samples`);
    this.checkSilence(state, sample.host, sample.time);
    state.lastSeen = Math.max(state.lastSeen, sample.time);
    state.silentAlarmRaised = false;
    state.anomalousRun = sample.anomaly ? state.anomalousRun + 1 : 0;
    if (state.anomalousRun < this.confirmSamples) return;
    const open = this.windowsAt(sample.host, sample.time).filter((i) => i.kind !== 'host_silent' && !this.detections.has(i.id));
    for (const incident of open) this.detections.set(incident.id, { at: sample.time, topMetric: sample.topMetric });
    // One alarm per run of anomalous samples: count a false alarm only where the run is confirmed.
    if (state.anomalousRun === this.confirmSamples && this.windowsAt(sample.host, sample.time).length === 0) {
      this.falseAlarmList.push({
        host: sample.host,
        at: new Date(sample.time).toISOString(),
        reason: `anomalous (score ${sample.score.toFixed(3)}, top metric ${sample.topMetric})`,
      });
    }
  }

  /** Raises silence alarms for every host quiet since before `now - silenceSeconds`. Call once per tick. */
  checkAll(now: number): void {
    for (const [host, state] of this.hosts) this.checkSilence(state, host, now);
  }

  report(now: number): DetectionReport {
    this.checkAll(now);
    const incidents: IncidentOutcome[] = this.incidents.map((incident) => {
      const found = this.detections.get(incident.id);
      return {
        id: incident.id,
        kind: incident.kind,
        host: incident.host,
        start: new Date(incident.start).toISOString(),
        end: new Date(incident.end).toISOString(),
        detected: found !== undefined,
        secondsToDetection: found ? Math.max(0, (found.at - incident.start) / 1000) : null,
        topMetric: found?.topMetric ?? null,
      };
    });
    const delays = incidents.flatMap((i) => (i.secondsToDetection === null ? [] : [i.secondsToDetection]));
    const incidentHosts = new Set(this.incidents.map((i) => i.host));
    return {
      hosts: this.hosts.size,
      intervalSeconds: this.options.intervalSeconds,
      confirmSamples: this.confirmSamples,
      incidents,
      detected: delays.length,
      missed: incidents.length - delays.length,
      medianSecondsToDetection: median(delays),
      falseAlarms: this.falseAlarmList.length,
      falseAlarmsOnHealthyHosts: this.falseAlarmList.filter((a) => !incidentHosts.has(a.host)).length,
      falseAlarmList: [...this.falseAlarmList],
    };
  }

  /** Incidents of `host` whose detection window [start, end + grace) contains `time`. */
  private windowsAt(host: string, time: number): Incident[] {
    return this.incidents.filter((i) => i.host === host && time >= i.start && time < i.end + this.graceMs);
  }

  private checkSilence(state: HostState, host: string, now: number): void {
    if (state.silentAlarmRaised || now - state.lastSeen < this.silenceMs) return;
    state.silentAlarmRaised = true;
    const at = state.lastSeen + this.silenceMs;
    const silentIncidents = this.windowsAt(host, at).filter((i) => i.kind === 'host_silent');
    for (const incident of silentIncidents) {
      if (!this.detections.has(incident.id)) this.detections.set(incident.id, { at, topMetric: 'silence' });
    }
    if (silentIncidents.length === 0) {
      this.falseAlarmList.push({ host, at: new Date(at).toISOString(), reason: `no sample for ${this.silenceMs / 1000} s` });
    }
  }
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
