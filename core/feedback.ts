/**
 * Feedback: an operator's mark on a host's time range (`vigil feedback`), stored in S3 next to the
 * models, read by retraining: samples marked `incident` or `maintenance` are left out of training,
 * and a challenger that flags a sample marked `normal` counts it as a false alarm.
 * One source of truth for the mark's shape, its labels and where marks live.
 */
import * as z from 'zod';
import { describeIssues } from './wire.js';

export const FEEDBACK_LABELS = ['normal', 'incident', 'maintenance'] as const;
export type FeedbackLabel = (typeof FEEDBACK_LABELS)[number];

/** The host id a mark names to cover every host of the fleet (a fleet-wide outage or maintenance). */
export const EVERY_HOST = '*';

/** Key prefix of the marks, under the models' prefix (so the bucket's model readers and writers find them). */
export const FEEDBACK_FOLDER = 'feedback';

/** The key prefix of the marks in the model bucket, for a model prefix such as `models` ('' for the bucket root). */
export function feedbackPrefix(modelPrefix: string): string {
  const trimmed = modelPrefix.replace(/^\/+|\/+$/g, '');
  return `${trimmed ? `${trimmed}/` : ''}${FEEDBACK_FOLDER}/`;
}

export const FeedbackMarkSchema = z
  .strictObject({
    schema: z.literal(1),
    /** Derived from host, range and label (feedbackMarkId): the same mark given twice is stored once. */
    id: z.string().regex(/^[0-9a-f]{16}$/),
    host: z.string().min(1).max(256),
    /** Start of the range, inclusive (ISO 8601, UTC). */
    from: z.iso.datetime(),
    /** End of the range, exclusive. */
    to: z.iso.datetime(),
    label: z.enum(FEEDBACK_LABELS),
    note: z.string().max(1000).optional(),
    createdAt: z.iso.datetime(),
  })
  .refine((m) => Date.parse(m.from) < Date.parse(m.to), { message: '`from` must be before `to`', path: ['to'] });
export type FeedbackMark = z.infer<typeof FeedbackMarkSchema>;

export function parseFeedbackMark(json: unknown, source: string): FeedbackMark {
  const checked = FeedbackMarkSchema.safeParse(json, { reportInput: true });
  if (!checked.success)
    throw new Error(`${source} is not a vigil feedback mark: ${describeIssues(checked.error.issues)}; delete it or add it again with \`vigil feedback\``);
  return checked.data;
}

/** The label the marks give `host` at time `t` (epoch ms), or undefined; the latest mark given wins where marks overlap. */
export function feedbackLabelAt(marks: readonly FeedbackMark[], host: string, t: number): FeedbackLabel | undefined {
  let label: FeedbackLabel | undefined;
  let latest = '';
  for (const m of marks) {
    if ((m.host === host || m.host === EVERY_HOST) && Date.parse(m.from) <= t && t < Date.parse(m.to) && m.createdAt >= latest) {
      label = m.label;
      latest = m.createdAt;
    }
  }
  return label;
}
