/**
 * Where published models live in S3, and the "current" pointer the scoring function follows.
 * `vigil publish` writes a model's files under its own version (never overwritten), then replaces
 * the pointer in one PutObject, so readers see the old model or the new one, never a mix.
 */
import * as z from 'zod';
import { describeIssues } from '../core/wire.js';

export { CURRENT_POINTER_FILE, modelKeys, pointerKey } from '../core/model-keys.js';

export const PointerSchema = z.strictObject({
  schema: z.literal(1),
  version: z.string().min(1),
  model: z.string().min(1),
  manifest: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  publishedAt: z.iso.datetime(),
  /** The version this one replaced, for `vigil models rollback`. */
  previous: z.string().optional(),
});
export type Pointer = z.infer<typeof PointerSchema>;

export function parsePointer(json: unknown, source: string): Pointer {
  const checked = PointerSchema.safeParse(json, { reportInput: true });
  if (!checked.success)
    throw new Error(`${source} is not a vigil model pointer: ${describeIssues(checked.error.issues)}; publish a model with \`vigil publish\``);
  return checked.data;
}
