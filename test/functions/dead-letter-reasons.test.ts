/** The reasons `vigil dead-letters` knows are exactly those the scoring function writes. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { DEAD_LETTER_REASON_NAMES, parseReasons, type DeadLetterReason } from '../../functions/score/dead-letter-reasons.js';
import type { RejectReason } from '../../functions/score/records.js';

describe('dead-letter reasons', () => {
  it('are the record rejections and the sinks’ refusals, no more, no fewer', () => {
    // Checked by the type checker (npm run typecheck): a reason added to RejectReason must be listed.
    expectTypeOf<DeadLetterReason>().toEqualTypeOf<RejectReason | 'sink_rejected' | 'sink_too_old'>();
    expect(DEAD_LETTER_REASON_NAMES).toHaveLength(8);
  });

  it('parses a comma list, and names every unknown value with the known ones', () => {
    expect(parseReasons(' garbage, feature_count ,garbage')).toEqual(['garbage', 'feature_count']);
    expect(() => parseReasons('garbag,invalid,oops')).toThrow(
      '--reason "garbag", "oops": not dead-letter reasons; the reasons are garbage, oversize, unsupported_version, invalid, feature_set_version, feature_count, sink_rejected, sink_too_old',
    );
    expect(() => parseReasons(',')).toThrow(/names no reason/);
  });
});
