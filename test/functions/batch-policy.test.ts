/**
 * The batch failure policy (functions/score/batch-policy.ts) as tables: which record delivery
 * resumes from, which dead letters are sent, what Lambda is answered.
 */
import { describe, expect, it } from 'vitest';
import type { ScoredSample } from '../../core/scored-sample.js';
import {
  batchAnswer,
  conflictingSamples,
  deadLetterCounts,
  firstFailedAfterLetters,
  firstFailedRecord,
  lettersToSend,
  refusedResults,
} from '../../functions/score/batch-policy.js';
import type { DeadLetter } from '../../functions/score/dead-letter.js';
import { originOf, type RejectedRecord } from '../../functions/score/records.js';
import type { SinkOutcome } from '../../functions/sinks/sink.js';
import { kinesisRecords, T0 } from './fixtures.js';

/** Five Kinesis records; sample i of the batch comes from record RECORD_OF[i]. */
const records = kinesisRecords(Array.from({ length: 5 }, (_, i) => Buffer.from(`record ${i}`)));
const RECORD_OF = Int32Array.from([0, 0, 1, 2, 2, 2, 4]);

function scoredSample(i: number): ScoredSample {
  return {
    host: `web-${RECORD_OF[i]}`,
    tags: { env: 'prod' },
    seq: i,
    time: T0 + i * 1000,
    metrics: { cpu_pct: i },
    score: 0.5 + i,
    anomaly: i > 2,
    severity: i > 2 ? 'high' : 'normal',
    confidence: 0.9,
    topMetric: 'cpu_pct',
    rankedMetrics: ['cpu_pct'],
    modelVersion: 'm1',
    recordVersion: 7,
  };
}
const scored = { samples: Array.from(RECORD_OF, (_, i) => scoredSample(i)), recordIndex: RECORD_OF };

function outcome(sink: string, failed: number[], rejected: { indices: number[]; reason: string }[] = []): SinkOutcome {
  return { sink, written: 0, failed, rejected };
}

function rejectedRecord(index: number): RejectedRecord {
  return { origin: originOf(records[index]!, index), reason: 'garbage', message: `record ${index} is junk`, dataBase64: records[index]!.kinesis.data };
}

function recordLetter(index: number): DeadLetter {
  return { reason: 'garbage', message: 'junk', origin: originOf(records[index]!, index), payloadBase64: records[index]!.kinesis.data };
}

function resultLetter(index: number): DeadLetter {
  return { reason: 'sink_rejected', message: 'too old', origin: originOf(records[index]!, index), details: { sink: 'prometheus', samples: [] } };
}

describe('firstFailedRecord', () => {
  it.each<[string, SinkOutcome[], number]>([
    ['no sink', [], 5],
    ['every sink stored everything', [outcome('timestream', []), outcome('prometheus', [])], 5],
    ['one sink failed the samples of records 2 and 4', [outcome('timestream', [6, 3, 4])], 2],
    ['a failed sample counts for its record, not its position', [outcome('timestream', [2])], 1],
    ['the lowest over every sink', [outcome('timestream', [6]), outcome('prometheus', [1]), outcome('log', [])], 0],
    ['a rejection is not a failure', [outcome('timestream', [], [{ indices: [0, 1], reason: 'bad' }])], 5],
  ])('%s', (_case, outcomes, expected) => {
    expect(firstFailedRecord(records.length, outcomes, RECORD_OF)).toBe(expected);
  });
});

describe('refusedResults', () => {
  const sampleOf = (i: number): Record<string, unknown> => {
    const s = scoredSample(i);
    return { host: s.host, seq: s.seq, time: s.time, score: s.score, severity: s.severity, modelVersion: s.modelVersion };
  };
  const letter = (sink: string, record: number, reason: string, samples: number[]): DeadLetter => ({
    reason: 'sink_rejected',
    message: reason,
    origin: originOf(records[record]!, record),
    payloadBase64: records[record]!.kinesis.data,
    details: { sink, samples: samples.map(sampleOf) },
  });

  it.each<[string, SinkOutcome[], DeadLetter[]]>([
    ['nothing refused', [outcome('timestream', [3])], []],
    [
      'one letter per record, with the samples of that record',
      [outcome('prometheus', [], [{ indices: [0, 2, 1, 6], reason: 'out of bounds' }])],
      [letter('prometheus', 0, 'out of bounds', [0, 1]), letter('prometheus', 1, 'out of bounds', [2]), letter('prometheus', 4, 'out of bounds', [6])],
    ],
    [
      'one letter per rejection of a record, each with its reason',
      [
        outcome(
          'timestream',
          [],
          [
            { indices: [3], reason: 'too old' },
            { indices: [4], reason: 'too new' },
          ],
        ),
      ],
      [letter('timestream', 2, 'too old', [3]), letter('timestream', 2, 'too new', [4])],
    ],
    [
      'one letter per sink that refused a record',
      [outcome('timestream', [], [{ indices: [3], reason: 'a' }]), outcome('prometheus', [], [{ indices: [5], reason: 'b' }])],
      [letter('timestream', 2, 'a', [3]), letter('prometheus', 2, 'b', [5])],
    ],
  ])('%s', (_case, outcomes, expected) => {
    expect(refusedResults(outcomes, scored, records)).toEqual(expected);
  });
});

describe('lettersToSend', () => {
  it.each<[string, number[], number[], number, number[]]>([
    // case, rejected records, refused results' records, first failed record, records of the letters sent in order
    ['nothing failed: every bad record, then every refused result', [3, 0], [1, 4], 5, [3, 0, 1, 4]],
    ['only those before the first failed record', [0, 3], [1, 2], 2, [0, 1]],
    ['none of the first failed record itself', [2], [2], 2, []],
    ['none when the first record failed', [0, 1], [0], 0, []],
    ['no letters', [], [], 5, []],
  ])('%s', (_case, rejected, refused, firstFailed, expected) => {
    const letters = lettersToSend(rejected.map(rejectedRecord), refused.map(resultLetter), firstFailed);
    expect(letters.map((l) => l.origin.index)).toEqual(expected);
  });

  it('sends a bad record with its reason, message and payload, and a refused result as it is', () => {
    const refused = resultLetter(0);
    expect(lettersToSend([rejectedRecord(1)], [refused], 5)).toEqual([
      { reason: 'garbage', message: 'record 1 is junk', origin: originOf(records[1]!, 1), payloadBase64: records[1]!.kinesis.data },
      refused,
    ]);
  });
});

describe('firstFailedAfterLetters', () => {
  const letters = [recordLetter(0), recordLetter(3), resultLetter(1)];

  it.each<[string, number, number[], number]>([
    ['the queue took every letter', 5, [], 5],
    ['a letter not taken fails its record', 5, [1], 3],
    ['the lowest record of the letters not taken', 5, [1, 2], 1],
    ['a sink failure before it still counts', 2, [1], 2],
    ['a letter not taken before the sink failure', 4, [2], 1],
  ])('%s', (_case, failedBySinks, notTaken, expected) => {
    expect(firstFailedAfterLetters(failedBySinks, letters, notTaken)).toBe(expected);
  });
});

describe('deadLetterCounts', () => {
  const letters = [recordLetter(0), recordLetter(1), resultLetter(2), resultLetter(3), resultLetter(4)];

  it.each<[string, number[], { records: number; results: number; notTaken: number }]>([
    ['the queue took every letter', [], { records: 2, results: 3, notTaken: 0 }],
    ['a record letter not taken', [1], { records: 1, results: 3, notTaken: 1 }],
    ['letters of both kinds not taken', [0, 3, 4], { records: 1, results: 1, notTaken: 3 }],
    ['none taken', [0, 1, 2, 3, 4], { records: 0, results: 0, notTaken: 5 }],
  ])('%s', (_case, notTaken, expected) => {
    expect(deadLetterCounts(letters, notTaken)).toEqual(expected);
  });
});

describe('batchAnswer', () => {
  it.each<[string, number, string[]]>([
    ['every record went through', 5, []],
    ['the first record failed: the whole batch again', 0, [records[0]!.kinesis.sequenceNumber]],
    ['from the first failed record on', 3, [records[3]!.kinesis.sequenceNumber]],
    ['the last record failed', 4, [records[4]!.kinesis.sequenceNumber]],
  ])('%s', (_case, firstFailed, expected) => {
    expect(batchAnswer(records, firstFailed)).toEqual({ batchItemFailures: expected.map((itemIdentifier) => ({ itemIdentifier })) });
  });

  it('answers an empty batch with no failures', () => {
    expect(batchAnswer([], 0)).toEqual({ batchItemFailures: [] });
  });
});

describe('conflictingSamples', () => {
  const at = (host: string, time: number, seq: number, cpu: number): { host: string; time: number; seq: number; metrics: Record<string, number> } => ({
    host,
    time,
    seq,
    metrics: { cpu_pct: cpu },
  });
  it('names the later samples that claim a host and time with other values, not plain repeats', () => {
    const samples = [at('a', 1, 0, 5), at('a', 1, 0, 5), at('a', 1, 0, 6), at('b', 1, 0, 6), at('a', 1, 1, 5), at('a', 2, 0, 5)];
    expect(conflictingSamples(samples)).toEqual([2, 4]);
  });
});
