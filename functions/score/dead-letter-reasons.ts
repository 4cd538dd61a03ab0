/**
 * Every reason a dead letter can carry, with what it means and whether redriving helps: what
 * `vigil dead-letters` checks `--reason` against and prints in its help. test/functions/dead-letter-reasons.test.ts
 * keeps the list equal to the reasons the scoring function writes (RejectReason, sink_rejected and sink_too_old).
 */
export const DEAD_LETTER_REASONS = {
  garbage: 'the record is not a vigil wire record (redriving fails again)',
  oversize: 'the record is over the wire size limit (redriving fails again)',
  unsupported_version: 'a wire format version this function does not read (redrive after deploying a function that does)',
  invalid: 'a wire record with an invalid field (redriving fails again)',
  feature_set_version: 'agent and function of different feature-set versions (redrive after deploying matching ones)',
  feature_count: 'a sample with another number of features than the feature set (redrive after deploying matching ones)',
  sink_rejected: 'a sink refused the results for good (with the record: redrive once the sink takes them)',
  sink_too_old: 'samples older than a sink takes any more, e.g. a spool replayed after a long outage; the other sinks stored them (redriving fails again)',
} as const;

export type DeadLetterReason = keyof typeof DEAD_LETTER_REASONS;

export const DEAD_LETTER_REASON_NAMES = Object.keys(DEAD_LETTER_REASONS) as DeadLetterReason[];

/** The comma list of a `--reason` flag, each checked against the known reasons. */
export function parseReasons(list: string, flag = '--reason'): DeadLetterReason[] {
  const given = list
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (given.length === 0) throw new Error(`${flag} ${JSON.stringify(list)} names no reason: give one or more of ${DEAD_LETTER_REASON_NAMES.join(', ')}`);
  const unknown = given.filter((r) => !(r in DEAD_LETTER_REASONS));
  if (unknown.length > 0)
    throw new Error(
      `${flag} ${unknown.map((r) => JSON.stringify(r)).join(', ')}: not ${unknown.length > 1 ? 'dead-letter reasons' : 'a dead-letter reason'}; the reasons are ${DEAD_LETTER_REASON_NAMES.join(', ')}`,
    );
  return [...new Set(given)] as DeadLetterReason[];
}
