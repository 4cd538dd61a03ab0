/**
 * The running agent: a sampling loop (collect -> features -> spool) and a sending loop
 * (spool -> wire records -> Kinesis -> acknowledge), joined only through the durable spool, so
 * an unreachable stream never blocks sampling and a crash never loses an accepted sample.
 */
import { join } from 'node:path';
import { awsRegion } from '../core/aws-endpoint.js';
import { SignedKinesisClient, type PutRecordsClient } from './sender/kinesis-client.js';
import { HOST_FEATURE_SET } from '../core/features.js';
import type { WireSample } from '../core/wire.js';
import type { FeaturePipeline } from '../features/pipeline.js';
import { HostCollector } from './collectors/host-collector.js';
import { ConfigError, type AgentConfig } from './config.js';
import { formatConfigProblem } from '../core/config-problems.js';
import { loadAgentState, saveAgentState } from './feature-state.js';
import type { Logger } from './log.js';
import { sleep } from './sender/backoff.js';
import { KinesisSender } from './sender/kinesis-sender.js';
import { toEntries, type KinesisEntry } from '../core/kinesis-records.js';
import { Spool } from './spool/spool.js';
import { toWireSample } from '../core/wire-sample.js';

/** The agent's own health, logged periodically and at shutdown. */
export interface AgentCounters {
  samples: number;
  spooled: number;
  samplesSent: number;
  recordsSent: number;
  recordsRetried: number;
  putCallsFailed: number;
  throttled: number;
  dropped: number;
  /** Damaged spool entries skipped (a bad checksum on disk). */
  spoolDamaged: number;
  pending: number;
  collectErrors: number;
  spoolErrors: number;
  invalidSamples: number;
  /** Epoch ms when Kinesis last accepted samples; 0 = not since start. */
  lastSentMs: number;
}

export interface AgentOptions {
  readonly log: Logger;
  /** Defaults to a client for the configured region with the project's AWS settings. */
  readonly kinesis?: PutRecordsClient;
  readonly random?: () => number;
}

/** Bound on one read from the spool: far below PutRecords' 5 MiB once encoded (a wire sample is smaller than its spooled JSON). */
const READ_MAX_BYTES = 4 * 1024 * 1024;

export class Agent {
  private readonly log: Logger;
  private readonly spool: Spool;
  private readonly collector: HostCollector;
  private readonly sender: KinesisSender;
  private readonly random: () => number;
  /** Each metric's long normal and scale of the latest sample, as the wire carries them (core/wire.ts). */
  private readonly band = { metrics: HOST_FEATURE_SET.metrics, values: new Float64Array(2 * HOST_FEATURE_SET.metrics.length) };
  /** The client this agent created (and so closes); undefined when the caller passed one. */
  private readonly ownKinesis: PutRecordsClient | undefined;
  private readonly abort = new AbortController();
  /** Waiters to wake when the sampler spooled something new / when the agent stops. */
  private readonly onWork = new Set<() => void>();
  private readonly onStop = new Set<() => void>();
  private pipeline: FeaturePipeline;
  private nextSeq: number;
  private stopping = false;
  private readonly local = { samples: 0, spooled: 0, samplesSent: 0, collectErrors: 0, spoolErrors: 0, invalidSamples: 0, lastSentMs: 0 };

  constructor(
    private readonly config: AgentConfig & { stream: string },
    options: AgentOptions,
  ) {
    this.log = options.log;
    this.random = options.random ?? Math.random;
    this.spool = openSpool(config, this.log);
    const saved = loadAgentState(config.spoolDir, this.log);
    this.pipeline = saved.pipeline;
    this.nextSeq = Math.max(saved.nextSeq, lastSpooledSeq(this.spool) + 1);
    this.collector = new HostCollector({ procRoot: config.procRoot, detail: config.detail });
    this.ownKinesis = options.kinesis ? undefined : new SignedKinesisClient({ region: awsRegion(config.region) });
    this.sender = new KinesisSender({
      client: options.kinesis ?? this.ownKinesis!,
      stream: config.stream,
      log: this.log,
      backoff: { baseMs: 100, throttledBaseMs: 500, capMs: config.maxBackoffSeconds * 1000 },
    });
  }

  counters(): AgentCounters {
    const spool = this.spool.stats();
    const s = this.sender.counters;
    return {
      ...this.local,
      recordsSent: s.recordsSent,
      recordsRetried: s.recordsRetried,
      putCallsFailed: s.callsFailed,
      throttled: s.throttled,
      dropped: spool.dropped,
      spoolDamaged: spool.damaged,
      pending: spool.pending,
    };
  }

  /** Runs until stop(); then sends what it can within shutdownTimeoutSeconds and saves its state. */
  async run(): Promise<void> {
    const { host, stream, intervalSeconds } = this.config;
    this.log.info('agent started', { host, stream, intervalSeconds, nextSeq: this.nextSeq, pending: this.spool.stats().pending });
    const sending = this.sendLoop();
    await this.sampleLoop();
    const timeout = new AbortController();
    const drained = await Promise.race([
      sending.then(() => true),
      sleep(this.config.shutdownTimeoutSeconds * 1000, timeout.signal).then(
        () => false,
        () => true,
      ),
    ]);
    timeout.abort();
    if (!drained) {
      this.abort.abort(new Error('shutdown timeout'));
      await sending;
    }
    this.saveState();
    this.spool.close();
    this.ownKinesis?.destroy?.();
    this.log.info('agent stopped', { ...this.counters(), unsentKeptInSpool: this.spool.stats().pending });
  }

  /** Graceful stop: no new samples, a bounded last flush. */
  stop(): void {
    this.stopping = true;
    for (const wake of [...this.onStop]) wake();
  }

  private async sampleLoop(): Promise<void> {
    const intervalMs = this.config.intervalSeconds * 1000;
    if (this.config.startJitter) await this.pause(this.random() * intervalMs);
    this.collectSafely(Date.now()); // primes the counters: rates need two readings
    // The schedule runs on the monotonic clock: a wall-clock step (NTP, an operator) neither stalls
    // nor bursts the sampling; only the samples' timestamps are wall-clock time (and the step is logged).
    const monotonic = (): number => performance.now();
    let due = monotonic() + intervalMs;
    let stateSavedAt = monotonic();
    let healthAt = monotonic();
    let wallOffset = Date.now() - monotonic();
    while (!this.stopping) {
      await this.pause(due - monotonic());
      if (this.stopping) break;
      const offset = Date.now() - monotonic();
      if (Math.abs(offset - wallOffset) > Math.max(1000, intervalMs / 2)) {
        this.log.warn('the wall clock stepped; sampling keeps its interval, sample times follow the new clock', {
          stepSeconds: Math.round((offset - wallOffset) / 100) / 10,
        });
      }
      wallOffset = offset;
      this.sampleOnce(Date.now());
      // After a stall (suspend, overload) skip the missed ticks instead of sampling in a burst.
      const now = monotonic();
      due += intervalMs;
      if (due <= now) due = now + intervalMs - ((now - due) % intervalMs);
      if (now - stateSavedAt >= this.config.stateSaveSeconds * 1000) {
        this.saveState();
        stateSavedAt = now;
      }
      if (now - healthAt >= this.config.healthLogSeconds * 1000) {
        this.log.info('health', { ...this.counters() });
        healthAt = now;
      }
    }
  }

  private sampleOnce(now: number): void {
    const collected = this.collectSafely(now);
    if (!collected) return;
    this.local.samples++;
    let sample: WireSample;
    try {
      const features = this.pipeline.push(collected, this.band.values);
      sample = toWireSample(this.nextSeq, collected.t, collected.values, features, this.band);
    } catch (error) {
      this.local.invalidSamples++;
      this.log.error('sample not usable; skipped', { error, values: collected.values });
      return;
    }
    try {
      this.spool.append(Buffer.from(JSON.stringify(sample)));
    } catch (error) {
      this.local.spoolErrors++;
      this.log.error('cannot write the sample to the spool; it is lost (disk full or not writable?)', {
        error,
        seq: sample.seq,
        spoolDir: this.config.spoolDir,
      });
      return;
    }
    this.nextSeq++;
    this.local.spooled++;
    for (const wake of [...this.onWork]) wake();
  }

  private collectSafely(now: number): ReturnType<HostCollector['collect']> {
    try {
      return this.collector.collect(now);
    } catch (error) {
      this.local.collectErrors++;
      this.log.error('collecting host metrics failed', { error, procRoot: this.config.procRoot });
      return undefined;
    }
  }

  private async sendLoop(): Promise<void> {
    const maxSamples = this.config.samplesPerRecord * 500;
    const flushMs = this.config.flushSeconds * 1000;
    for (let failures = 0; ;) {
      try {
        const batch = this.spool.read(maxSamples, READ_MAX_BYTES);
        if (batch.entries.length === 0) {
          if (this.stopping) return;
          await this.pause(Infinity, { work: true });
          continue;
        }
        const samples = batch.entries.map((entry) => JSON.parse(entry.toString('utf8')) as WireSample);
        const first = batch.first;
        // The spool dropped this batch's start while it was being retried: re-read from the new cursor.
        const isStale = (): boolean => this.spool.cursor().index > first;
        const outcome = await this.sender.put(this.encode(samples), { signal: this.abort.signal, isStale });
        if (outcome === 'stale') continue;
        this.spool.ack(batch.next);
        this.local.samplesSent += samples.length;
        this.local.lastSentMs = Date.now();
        failures = 0;
        const full = batch.entries.length >= maxSamples;
        if (!full && flushMs > 0 && !this.stopping) await this.pause(flushMs);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        failures++;
        this.log.error('sending loop failed; retrying', { error, failures });
        await sleep(Math.min(1000 * 2 ** failures, this.config.maxBackoffSeconds * 1000), this.abort.signal).catch(() => undefined);
      }
    }
  }

  /** Samples to Kinesis entries; a sample the wire format rejects is logged and counted, never blocks the rest. */
  private encode(samples: WireSample[]): KinesisEntry[] {
    const header = { host: this.config.host, tags: this.config.tags, fs: HOST_FEATURE_SET.version };
    try {
      return toEntries(header, samples, this.config.samplesPerRecord);
    } catch {
      return samples.flatMap((sample) => {
        try {
          return toEntries(header, [sample]);
        } catch (error) {
          this.local.invalidSamples++;
          this.log.error('spooled sample rejected by the wire format; skipped', { error, seq: sample.seq });
          return [];
        }
      });
    }
  }

  private saveState(): void {
    try {
      saveAgentState(this.config.spoolDir, { pipeline: this.pipeline, nextSeq: this.nextSeq });
    } catch (error) {
      this.log.error('cannot save the feature state', { error, spoolDir: this.config.spoolDir });
    }
  }

  /** Waits `ms`; returns early when the agent stops, and on newly spooled samples when `work`. */
  private pause(ms: number, wake: { work?: boolean } = {}): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.onStop.delete(done);
        this.onWork.delete(done);
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, Math.max(0, ms)) : undefined;
      this.onStop.add(done);
      if (wake.work) this.onWork.add(done);
    });
  }
}

/** File-system errors that no restart fixes: the spool directory is the operator's to fix. */
const UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR', 'EEXIST', 'ENOSPC', 'EDQUOT']);

/** The spool in spoolDir; a directory that cannot be created or written is a configuration error naming spoolDir. */
function openSpool(config: AgentConfig, log: Logger): Spool {
  try {
    return Spool.open({ dir: join(config.spoolDir, 'spool'), maxBytes: Math.round(config.spoolMaxMb * 1024 * 1024), log });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code || !UNWRITABLE.has(code)) throw error;
    throw new ConfigError(
      formatConfigProblem({
        key: 'spoolDir',
        value: config.spoolDir,
        problem: `the spool cannot be created or written there (${code}: ${(error as Error).message})`,
        fix: 'point spoolDir at a writable directory on a local disk with room for spoolMaxMb (the systemd unit gives /var/lib/vigil-agent)',
      }),
      { cause: error },
    );
  }
}

function lastSpooledSeq(spool: Spool): number {
  const last = spool.last();
  if (!last) return -1;
  try {
    const seq = (JSON.parse(last.toString('utf8')) as { seq?: unknown }).seq;
    return Number.isSafeInteger(seq) ? (seq as number) : -1;
  } catch {
    return -1;
  }
}
