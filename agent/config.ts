/**
 * Agent configuration: a YAML or JSON file, then environment variables (VIGIL_AGENT_<KEY>), then
 * command-line flags, each overriding the one before; validated by ONE zod schema at start.
 * Errors list every problem at once, each naming the key, the value, where it came from, the rule
 * and what to do (core/config-problems.ts). No secrets here: AWS
 * credentials come from the SDK's standard provider chain (an EC2 instance role in production).
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { formatConfigProblems, showValue, type ConfigProblem } from '../core/config-problems.js';
import { HostIdSchema, TagsSchema } from '../core/wire.js';
import { LOG_LEVELS } from './log.js';

/** Read when no --config / VIGIL_AGENT_CONFIG is given and the file exists. */
export const DEFAULT_CONFIG_FILE = '/etc/vigil/agent.yaml';

/** 127.0.0.1:PORT, [::1]:PORT or localhost:PORT: the health endpoint is for this host's Prometheus or node agent only. */
const LOOPBACK_LISTEN = /^(127\.0\.0\.1|\[::1\]|localhost):\d{1,5}$/;

const seconds = (min: number, max: number) =>
  z.number({ error: 'expected a number of seconds' }).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

export const AgentConfigSchema = z.strictObject({
  /** Kinesis stream name; needed to send (not for --dry-run). */
  stream: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'a Kinesis stream name: 1-128 letters, digits, _ . -')
    .optional(),
  /** AWS region of the stream; default: the SDK's own (AWS_REGION, profile, instance metadata). */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as eu-west-1')
    .optional(),
  /** Host id: the partition key and the host dimension; default: the host name. */
  host: HostIdSchema.default(() => defaultHostId()),
  /** Become Timestream dimensions and Prometheus labels. */
  tags: TagsSchema.default({}),
  intervalSeconds: seconds(0.1, 3600).default(10),
  /** How often samples are sent; 0 = right after each sample. */
  flushSeconds: seconds(0, 3600).default(0),
  /** Random delay before the first sample (up to one interval), so a fleet does not send in lockstep. */
  startJitter: z.boolean({ error: 'expected true or false' }).default(true),
  spoolDir: z.string().min(1, 'must not be empty').default('/var/lib/vigil-agent'),
  spoolMaxMb: z.number({ error: 'expected a number of megabytes' }).min(0.01, 'must be at least 0.01').max(1_000_000, 'must be at most 1000000').default(128),
  logLevel: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  procRoot: z.string().min(1, 'must not be empty').default('/proc'),
  /** Also send CPU by mode, load5/15, and per-device and per-interface metrics. */
  detail: z.boolean({ error: 'expected true or false' }).default(false),
  samplesPerRecord: z.number().int('expected a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(60),
  maxBackoffSeconds: seconds(0.1, 3600).default(30),
  shutdownTimeoutSeconds: seconds(0, 600).default(5),
  stateSaveSeconds: seconds(1, 86_400).default(60),
  healthLogSeconds: seconds(1, 86_400).default(300),
  /** Serve the health counters as Prometheus metrics on http://<this>/metrics (agent/health-metrics.ts). */
  metricsListen: z.string().regex(LOOPBACK_LISTEN, 'a loopback address and port such as 127.0.0.1:9464, [::1]:9464 or localhost:9464').optional(),
  /** Write the health counters as Prometheus metrics to this file, for node_exporter's textfile collector. */
  metricsTextfile: z
    .string()
    .regex(/\.prom$/, "a file name ending in .prom (node_exporter's textfile collector reads only those)")
    .optional(),
});

export type AgentConfig = z.infer<typeof AgentConfigSchema>;
export type AgentConfigKey = keyof AgentConfig;

/** How a text value (environment, flag) becomes the key's type. */
const KEY_TYPES: Record<AgentConfigKey, 'string' | 'number' | 'boolean' | 'tags'> = {
  stream: 'string',
  region: 'string',
  host: 'string',
  tags: 'tags',
  intervalSeconds: 'number',
  flushSeconds: 'number',
  startJitter: 'boolean',
  spoolDir: 'string',
  spoolMaxMb: 'number',
  logLevel: 'string',
  procRoot: 'string',
  detail: 'boolean',
  samplesPerRecord: 'number',
  maxBackoffSeconds: 'number',
  shutdownTimeoutSeconds: 'number',
  stateSaveSeconds: 'number',
  healthLogSeconds: 'number',
  metricsListen: 'string',
  metricsTextfile: 'string',
};
export const CONFIG_KEYS = Object.keys(KEY_TYPES) as AgentConfigKey[];

/** VIGIL_AGENT_INTERVAL_SECONDS for intervalSeconds. */
export function envName(key: AgentConfigKey): string {
  return `VIGIL_AGENT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ConfigSources {
  /** Config file path; default VIGIL_AGENT_CONFIG, else DEFAULT_CONFIG_FILE when it exists. */
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Flag values already keyed by config key (text or typed). */
  readonly flags?: Partial<Record<AgentConfigKey, unknown>>;
  /** The flag a key came from, where it is not --<key in kebab case> (for error messages). */
  readonly flagNames?: Partial<Record<AgentConfigKey, string>>;
}

/** Merges file < env < flags and validates; throws ConfigError listing every problem. */
export function loadConfig(sources: ConfigSources = {}): AgentConfig {
  const env = sources.env ?? process.env;
  const merged: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  const file = sources.file ?? env.VIGIL_AGENT_CONFIG ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (file) {
    for (const [key, value] of Object.entries(readConfigFile(file))) {
      merged[key] = value;
      origin[key] = `file ${file}`;
    }
  }
  for (const key of CONFIG_KEYS) {
    const text = env[envName(key)];
    if (text === undefined || text === '') continue;
    merged[key] = fromText(key, text);
    origin[key] = `environment ${envName(key)}`;
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    merged[key] = typeof value === 'string' && key in KEY_TYPES ? fromText(key as AgentConfigKey, value) : value;
    origin[key] = `flag ${sources.flagNames?.[key as AgentConfigKey] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`}`;
  }
  const checked = AgentConfigSchema.safeParse(merged);
  if (checked.success) return checked.data;
  const problems = checked.error.issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        key,
        value: merged[key],
        source: origin[key],
        problem: 'unknown key',
        fix: `remove it, or rename it to one of the keys: ${CONFIG_KEYS.join(', ')}`,
      }));
    }
    const key = String(issue.path[0] ?? '(config)');
    const where = issue.path.length > 1 ? `${key}.${issue.path.slice(1).join('.')}` : key;
    return [{ key: where, value: merged[key], source: origin[key] ?? 'default', problem: issue.message, fix: fixFor(key, origin[key]) }];
  });
  throw new ConfigError(formatConfigProblems('invalid agent configuration', problems));
}

/** What to do about a bad value: correct it where it was given, or leave it out for the default. */
function fixFor(key: string, origin: string | undefined): string {
  const schema = (AgentConfigSchema.shape as Record<string, z.ZodType | undefined>)[key];
  const fallback = schema?.safeParse(undefined);
  const orDefault = fallback?.success && fallback.data !== undefined ? `, or leave it out for the default (${showValue(fallback.data)})` : '';
  if (!origin) return `set it in the config file, ${envName(key as AgentConfigKey)} or its flag`;
  return `correct it in the ${origin}${orDefault}`;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(
      `cannot read the config file ${path} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}): fix the path given by --config or VIGIL_AGENT_CONFIG`,
      { cause },
    );
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text); // JSON is YAML too
  } catch (cause) {
    throw new ConfigError(`config file ${path} is not valid YAML or JSON: ${(cause as Error).message}`, { cause });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError(
      `config file ${path} must hold a mapping of keys (${CONFIG_KEYS.join(', ')}); got ${Array.isArray(parsed) ? 'a list' : typeof parsed}`,
    );
  return parsed as Record<string, unknown>;
}

/** Text to the key's type; a value that does not convert is kept as text so the error shows it. */
function fromText(key: AgentConfigKey, text: string): unknown {
  switch (KEY_TYPES[key]) {
    case 'number':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    case 'boolean':
      return /^(true|1|yes)$/i.test(text) ? true : /^(false|0|no)$/i.test(text) ? false : text;
    case 'tags':
      return parseTags(text);
    default:
      return text;
  }
}

/** `env=prod,team=web` to { env: 'prod', team: 'web' }; a pair without `=` is kept so the error names it. */
export function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new ConfigError(`tag ${JSON.stringify(pair)} has no "=": write tags as key=value, separated by commas`);
    tags[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return tags;
}

/** The host name as a valid host id (letters, digits and . _ : - only). */
function defaultHostId(): string {
  const id = hostname()
    .replace(/[^A-Za-z0-9._:-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
  return id || 'unknown-host';
}
