/**
 * The simulated fleet: N seeded hosts with daily and weekly patterns, and the incidents injected
 * into them. `sampleAt(t)` gives what every reporting host's agent would collect at time t.
 */
import { fleetProfiles, type HostProfile } from './host-profile.js';
import { combineEffects, incidentEffect, type Incident, type IncidentEffect } from './incidents.js';
import { SimulatedHost, type HostMetricValues } from './simulated-host.js';

const NO_EFFECT: IncidentEffect = {};

export interface FleetOptions {
  readonly hosts: number;
  /** Same seed, same fleet, same noise (default 1). */
  readonly seed?: number;
  /** UTC offset of the fleet's users, which sets when the daily peak falls (default -5). */
  readonly utcOffsetHours?: number;
  readonly incidents?: readonly Incident[];
}

/** One host's sample: the shape the feature pipeline's `push` takes (`t`, `values`), plus who sent it. */
export interface FleetSample {
  readonly host: string;
  readonly tags: Readonly<Record<string, string>>;
  /** epoch ms */
  readonly t: number;
  readonly values: HostMetricValues;
}

export class SimulatedFleet {
  readonly profiles: readonly HostProfile[];
  private readonly hosts: SimulatedHost[];
  private incidentList: Incident[] = [];

  constructor(options: FleetOptions) {
    const seed = options.seed ?? 1;
    this.profiles = fleetProfiles(options.hosts, seed, options.utcOffsetHours);
    this.hosts = this.profiles.map((profile) => new SimulatedHost(profile, seed));
    this.inject(options.incidents ?? []);
  }

  get hostIds(): string[] {
    return this.profiles.map((p) => p.id);
  }

  get incidents(): readonly Incident[] {
    return this.incidentList;
  }

  /** Adds incidents (ground truth kept in `incidents`); each must name a host of this fleet. */
  inject(incidents: readonly Incident[]): void {
    const known = new Set(this.hostIds);
    for (const incident of incidents) {
      if (!known.has(incident.host)) {
        throw new Error(
          `incident ${incident.id} names host "${incident.host}", which is not in this fleet (${this.hostIds.slice(0, 5).join(', ')}...): plan incidents with fleet.hostIds`,
        );
      }
      if (!(incident.end > incident.start)) {
        throw new Error(`incident ${incident.id} ends (${incident.end}) before it starts (${incident.start}): give it a positive duration`);
      }
    }
    this.incidentList = [...this.incidentList, ...incidents];
  }

  /** The samples of every host that reports at `timeMs` (a silent host sends none). Call with increasing times. */
  sampleAt(timeMs: number): FleetSample[] {
    const out: FleetSample[] = [];
    for (const host of this.hosts) {
      const active = this.incidentList.filter((i) => i.host === host.profile.id && timeMs >= i.start && timeMs < i.end);
      const values = host.sample(timeMs, active.length === 0 ? NO_EFFECT : combineEffects(active.map((i) => incidentEffect(i, timeMs))));
      if (values) out.push({ host: host.profile.id, tags: host.profile.tags, t: timeMs, values });
    }
    return out;
  }
}
