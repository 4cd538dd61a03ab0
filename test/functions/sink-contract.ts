/**
 * One behavioural suite for every result sink: the rules of functions/sinks/sink.ts (prepare, send
 * once, discard, written / failed / rejected), run against each sink and its service through a
 * harness, with the cases a sink cannot meet skipped by its declared capabilities (as Telegraf's
 * models/buffer_suite_test.go runs one suite against every buffer). sink-contract.test.ts runs it.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoredSample } from '../../core/scored-sample.js';
import type { ResultSink, SinkBatch, SinkOutcome } from '../../functions/sinks/sink.js';
import { uniqueName } from '../aws-env.js';

export interface SinkCapabilities {
  /** Writes only the samples storage keeps (SinkBatch.store); otherwise every sample. */
  readonly keepsResolution: boolean;
  /** Its service lists anomalous samples only (the log; the rest are counted in a summary line). */
  readonly listsAnomaliesOnly: boolean;
  /** Sends over the network, so its endpoint can be unreachable. */
  readonly remote: boolean;
  /** Its service can refuse samples for good. */
  readonly rejects: boolean;
  /** Its prepared requests hold buffers later batches reuse: it has `discard`. */
  readonly holdsBuffers: boolean;
}

export interface SinkRefusal {
  readonly sink: ResultSink;
  /** A batch the service refuses for good. */
  readonly batch: SinkBatch;
  /** The service's reason, as the rejection must carry it. */
  readonly reason: RegExp;
  /** Requests that service has been sent so far. */
  requests(): number;
}

export interface SinkHarness {
  /** A sink writing to the service, with fast retries. */
  sink(): ResultSink;
  /** Requests the service has been sent so far (by every sink of this harness). */
  requests(): number;
  /** What the service holds of these hosts, as sampleKey()s. */
  stored(hosts: readonly string[]): Promise<string[]>;
  /** With `remote`: a sink whose endpoint nothing listens on. */
  unreachable?(): Promise<ResultSink>;
  /** With `rejects`: a sink and a batch its service refuses for good. */
  refusal?(): Promise<SinkRefusal>;
  close(): Promise<void>;
}

/** How a stored sample is named: its host and time (ms). */
export function sampleKey(host: string, time: number): string {
  return `${host}@${time}`;
}

/**
 * `perHost` samples for each host, 1 s apart and ending a second ago (Prometheus takes recent
 * samples only); every third anomalous; storage keeps the anomalies and every other sample.
 */
export function contractBatch(hosts: readonly string[], perHost: number, now = Date.now()): SinkBatch {
  const samples: ScoredSample[] = hosts.flatMap((host) =>
    Array.from({ length: perHost }, (_, i): ScoredSample => {
      const anomaly = i % 3 === 2;
      return {
        host,
        tags: { env: 'contract' },
        seq: i,
        time: now - (perHost - i) * 1000,
        metrics: { cpu_pct: anomaly ? 97 : 10 + i },
        score: anomaly ? 1.6 : 0.2,
        anomaly,
        severity: anomaly ? 'medium' : 'normal',
        confidence: 0.7,
        topMetric: 'cpu_pct',
        rankedMetrics: ['cpu_pct'],
        modelVersion: 'contract',
        recordVersion: 1_795_000_000_000,
      };
    }),
  );
  return { samples, store: samples.map((s, i) => s.anomaly || i % 2 === 0), threshold: 1, modelCreatedMs: now - 3_600_000, scoredAt: now };
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** The samples an outcome names as not written: failed, then rejected. */
function accounted(outcome: SinkOutcome): number[] {
  return [...outcome.failed, ...outcome.rejected.flatMap((r) => r.indices)];
}

export function sinkContract(name: string, capabilities: SinkCapabilities, harnessOf: () => Promise<SinkHarness>): void {
  describe(`${name} sink keeps the sink contract`, () => {
    let harness: SinkHarness;
    beforeAll(async () => {
      harness = await harnessOf();
    });
    afterAll(async () => harness?.close());

    /** The samples of `batch` the sink writes. */
    const writes = (batch: SinkBatch): number[] => batch.samples.flatMap((_, i) => (capabilities.keepsResolution && !batch.store[i] ? [] : [i]));
    /** What the service holds once `batch` is written. */
    const held = (batch: SinkBatch): string[] =>
      writes(batch)
        .map((i) => batch.samples[i]!)
        .filter((s) => !capabilities.listsAnomaliesOnly || s.anomaly)
        .map((s) => sampleKey(s.host, s.time))
        .sort();
    const storedOf = async (hosts: readonly string[]): Promise<string[]> => (await harness.stored(hosts)).sort();
    const newHosts = (n: number): string[] => Array.from({ length: n }, () => uniqueName(`${name}-contract`));

    it('prepare sends nothing; send sends each prepared request once, and sending again is refused and sends nothing', async () => {
      const sink = harness.sink();
      const hosts = newHosts(2);
      const batch = contractBatch(hosts, 6);
      const before = harness.requests();
      const write = sink.prepare(batch);
      expect(write.requests).toBeGreaterThan(0);
      expect(harness.requests()).toBe(before);
      expect(await storedOf(hosts)).toEqual([]);

      expect(await write.send()).toEqual({ sink: sink.name, written: writes(batch).length, failed: [], rejected: [] });
      expect(harness.requests() - before).toBe(write.requests);
      await expect(write.send()).rejects.toThrow(/already sent or discarded; prepare the batch again/);
      expect(harness.requests() - before).toBe(write.requests);
      expect(await storedOf(hosts)).toEqual(held(batch));
    });

    it('counts each sample it writes once, as written, failed or rejected, over requests sent in parallel', async () => {
      const sink = harness.sink();
      const hosts = newHosts(7);
      const batch = contractBatch(hosts, 40);
      const outcome = await sink.prepare(batch).send();
      const counted = accounted(outcome);
      expect(new Set(counted).size).toBe(counted.length);
      expect(counted.every((i) => writes(batch).includes(i))).toBe(true);
      expect(outcome.written + counted.length).toBe(writes(batch).length);
      // A healthy service takes all of it.
      expect(outcome.written).toBe(writes(batch).length);
      expect(await storedOf(hosts)).toEqual(held(batch));
    });

    it.skipIf(!capabilities.remote)(
      'an unreachable endpoint fails every sample it writes (delivered again later), with the error: nothing dropped, nothing rejected',
      async () => {
        const sink = await harness.unreachable!();
        const batch = contractBatch(newHosts(3), 5);
        const outcome = await sink.prepare(batch).send();
        expect(outcome.written).toBe(0);
        expect(outcome.rejected).toEqual([]);
        expect([...outcome.failed].sort((a, b) => a - b)).toEqual(writes(batch));
        expect(outcome.error).toMatch(/failed after retries/);
      },
    );

    it.skipIf(!capabilities.rejects)("a refusal for good rejects the samples with the service's reason, once, without retrying: nothing failed", async () => {
      const refusal = await harness.refusal!();
      const before = refusal.requests();
      const write = refusal.sink.prepare(refusal.batch);
      const outcome = await write.send();
      expect(refusal.requests() - before).toBe(write.requests);
      expect(outcome.failed).toEqual([]);
      expect(outcome.written).toBe(0);
      expect(outcome.rejected.length).toBeGreaterThan(0);
      for (const rejection of outcome.rejected) expect(rejection.reason).toMatch(refusal.reason);
      expect(accounted(outcome).sort((a, b) => a - b)).toEqual(writes(refusal.batch));
    });

    it.skipIf(!capabilities.holdsBuffers)('discard frees the requests without sending them; the discarded write cannot be sent after', async () => {
      const sink = harness.sink();
      const hosts = newHosts(2);
      const before = harness.requests();
      const write = sink.prepare(contractBatch(hosts, 4));
      write.discard!();
      write.discard!();
      await expect(write.send()).rejects.toThrow(/already sent or discarded; prepare the batch again/);
      expect(harness.requests()).toBe(before);
      expect(await storedOf(hosts)).toEqual([]);
    });

    it('writes prepared before others were sent or discarded each send their own samples, whole', async () => {
      const sink = harness.sink();
      const [a, b, c] = [newHosts(2), newHosts(3), newHosts(2)];
      const dropped = sink.prepare(contractBatch(a!, 9));
      const first = contractBatch(b!, 7);
      const firstWrite = sink.prepare(first);
      // Discarded where it holds buffers: the next batch may take them while `first` still holds its own.
      dropped.discard?.();
      const second = contractBatch(c!, 8);
      const secondWrite = sink.prepare(second);
      expect(await secondWrite.send()).toMatchObject({ written: writes(second).length, failed: [], rejected: [] });
      expect(await firstWrite.send()).toMatchObject({ written: writes(first).length, failed: [], rejected: [] });
      expect(await storedOf([...a!, ...b!, ...c!])).toEqual([...held(first), ...held(second)].sort());
    });
  });
}
