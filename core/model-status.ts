/**
 * What a scoring function reports about its model: the version it loaded, or the version it refused
 * and why. Written by the function to the model bucket (under `<model prefix>/status/<function>.json`)
 * when its model changes or a version is refused, never per invocation; read by
 * `vigil models status` with the operator's model credentials, next to the current pointer.
 */
import * as z from 'zod';
import { describeIssues } from './wire.js';

export const MODEL_STATUS_FOLDER = 'status';

/** The key prefix of the status objects for a model prefix such as `models` ('' for the bucket root). */
export function modelStatusPrefix(modelPrefix: string): string {
  const trimmed = modelPrefix.replace(/^\/+|\/+$/g, '');
  return `${trimmed ? `${trimmed}/` : ''}${MODEL_STATUS_FOLDER}/`;
}

export const ModelStatusSchema = z.strictObject({
  schema: z.literal(1),
  /** The scoring function's name (AWS_LAMBDA_FUNCTION_NAME), or the local worker's. */
  function: z.string().min(1).max(140),
  /** The model scoring uses, if any. */
  loaded: z.strictObject({ version: z.string().min(1), name: z.string().min(1), loadedAt: z.iso.datetime() }).nullable(),
  /** The last version refused (it stays unused until another is published), if the pointer still names it. */
  refused: z.strictObject({ version: z.string().min(1), reason: z.string(), refusedAt: z.iso.datetime() }).nullable(),
  updatedAt: z.iso.datetime(),
});
export type ModelStatus = z.infer<typeof ModelStatusSchema>;

export function parseModelStatus(json: unknown, source: string): ModelStatus {
  const checked = ModelStatusSchema.safeParse(json, { reportInput: true });
  if (!checked.success) throw new Error(`${source} is not a vigil model status: ${describeIssues(checked.error.issues)}`);
  return checked.data;
}
