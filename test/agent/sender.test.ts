/** KinesisSender against a scripted client (unit test; the integration tests use the real endpoint). */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../agent/log.js';
import type { PutRecordsClient, PutRecordsInput, PutRecordsOutput } from '../../agent/sender/kinesis-client.js';
import { KinesisSender } from '../../agent/sender/kinesis-sender.js';
import type { KinesisEntry } from '../../core/kinesis-records.js';

const entry = (i: number): KinesisEntry => ({ data: Buffer.from(`record-${i}`), partitionKey: 'h', samples: 1 });
const fast = { baseMs: 1, throttledBaseMs: 2, capMs: 5 };

/** A client whose answers are scripted per call; records what each call carried. */
function scripted(answers: ((records: string[]) => PutRecordsOutput | Error)[]): { client: PutRecordsClient; calls: string[][] } {
  const calls: string[][] = [];
  const client: PutRecordsClient = {
    putRecords: async (input: PutRecordsInput) => {
      const records = input.Records.map((r) => Buffer.from(r.Data).toString());
      calls.push(records);
      const answer = answers[calls.length - 1]!(records);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { client, calls };
}

const ok = (records: string[]) => ({ FailedRecordCount: 0, Records: records.map(() => ({ SequenceNumber: '1', ShardId: 's' })) });

describe('KinesisSender', () => {
  it('after a partial failure resends only the failed entries', async () => {
    const { client, calls } = scripted([
      (records) => ({
        FailedRecordCount: 2,
        Records: records.map((r) =>
          r === 'record-1' || r === 'record-3'
            ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }
            : { SequenceNumber: '1', ShardId: 's' },
        ),
      }),
      ok,
    ]);
    const sender = new KinesisSender({ client, stream: 's', log: silentLogger, backoff: fast });
    expect(await sender.put([0, 1, 2, 3, 4].map(entry))).toBe('sent');
    expect(calls).toEqual([
      ['record-0', 'record-1', 'record-2', 'record-3', 'record-4'],
      ['record-1', 'record-3'],
    ]);
    expect(sender.counters).toEqual({ recordsSent: 5, recordsRetried: 2, callsFailed: 0, throttled: 2 });
  });

  it('retries a call that failed as a whole until it goes through', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' });
    const { client, calls } = scripted([() => down, () => down, ok]);
    const sender = new KinesisSender({ client, stream: 's', log: silentLogger, backoff: fast });
    expect(await sender.put([entry(0), entry(1)])).toBe('sent');
    expect(calls.length).toBe(3);
    expect(sender.counters).toMatchObject({ recordsSent: 2, recordsRetried: 4, callsFailed: 2 });
  });

  it('splits entries beyond one call (500 entries) into calls in order', async () => {
    const { client, calls } = scripted([ok, ok, ok]);
    const sender = new KinesisSender({ client, stream: 's', log: silentLogger, backoff: fast });
    expect(await sender.put(Array.from({ length: 1001 }, (_, i) => entry(i)))).toBe('sent');
    expect(calls.map((c) => c.length)).toEqual([500, 500, 1]);
    expect(calls.flat()).toEqual(Array.from({ length: 1001 }, (_, i) => `record-${i}`));
  });

  it('stops retrying when the entries became stale, and when aborted', async () => {
    const down = new Error('down');
    const { client } = scripted(Array.from({ length: 100 }, () => () => down));
    const sender = new KinesisSender({ client, stream: 's', log: silentLogger, backoff: fast });
    let checks = 0;
    expect(await sender.put([entry(0)], { isStale: () => ++checks > 2 })).toBe('stale');
    const abort = new AbortController();
    const pending = sender.put([entry(0)], { signal: abort.signal });
    abort.abort(new Error('shutdown'));
    await expect(pending).rejects.toThrow('shutdown');
  });
});
