/** readBatch decodes every record from its own bytes, though it decodes them all into one reused buffer. */
import { describe, expect, it } from 'vitest';
import { readBatch } from '../../functions/score/records.js';
import { encode, kinesisRecords, sample, WIDTH, wireRecord } from './fixtures.js';

describe('readBatch', () => {
  it('reads a short record after a long one without the long one’s bytes, and refuses a cut one', () => {
    const long = encode(
      wireRecord(
        'web-long',
        [1, 2, 3, 4, 5].map((seq) => sample(seq)),
        { env: 'prod', role: 'web' },
      ),
    );
    const short = encode(wireRecord('web-2', [sample(9)]));
    // The long record's first half: what a reader that kept the long record's bytes would read whole.
    const cut = long.subarray(0, Math.floor(long.length / 2));
    const batch = readBatch(kinesisRecords([long, short, cut, long]), WIDTH);
    expect(batch.accepted.map((a) => [a.index, a.record.host, a.record.samples.map((s) => s.seq)])).toEqual([
      [0, 'web-long', [1, 2, 3, 4, 5]],
      [1, 'web-2', [9]],
      [3, 'web-long', [1, 2, 3, 4, 5]],
    ]);
    expect(batch.accepted[1]!.record.tags).toBeUndefined();
    expect(batch.rejected).toHaveLength(1);
    expect(batch.rejected[0]).toMatchObject({ reason: 'garbage', origin: { index: 2 }, dataBase64: Buffer.from(cut).toString('base64') });
    expect(batch.features).toHaveLength(11 * WIDTH);
  });
});
