/**
 * One way to report invalid configuration, shared by the agent's configuration (agent/config.ts),
 * the scoring function's environment (functions/score/config.ts) and the stack's settings
 * (infra/props.ts, infra/context.ts): validation collects every problem instead of stopping at the
 * first, and each problem names the setting, the value given, what is wrong with it and what to do.
 * Each caller keeps its own error class (and so its own exit code); only the wording is shared.
 *
 *   <title>:
 *     - <key> is <value> (from <source>): <what is wrong>; <how to fix it>
 *     - <key> is not set: <how to fix it>
 */

export interface ConfigProblem {
  /** The setting as the user writes it: a config key, an environment variable, a stack prop. */
  readonly key: string;
  /** The value given; undefined when the setting was not given at all ("is not set"). */
  readonly value: unknown;
  /** Where the value came from, where there are several places (a file, an environment variable, a flag). */
  readonly source?: string;
  /** What is wrong with the value; may be left out when "is not set" says it all. */
  readonly problem?: string;
  /** What to do about it. */
  readonly fix: string;
}

/** One problem on one line: `key is "value" (from source): problem; fix`. */
export function formatConfigProblem(p: ConfigProblem): string {
  const given = p.value === undefined ? `${p.key} is not set` : `${p.key} is ${showValue(p.value)}`;
  const source = p.source ? ` (from ${p.source})` : '';
  const problem = p.problem ? `: ${p.problem}; ` : ': ';
  return `${given}${source}${problem}${p.fix}`;
}

/** Every problem under a title, one per line: the message of the caller's configuration error. */
export function formatConfigProblems(title: string, problems: readonly ConfigProblem[]): string {
  return `${title}:\n  - ${problems.map(formatConfigProblem).join('\n  - ')}`;
}

/** A value as the user would write it: JSON for text, lists and objects, plain for numbers and booleans. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? String(value);
}
