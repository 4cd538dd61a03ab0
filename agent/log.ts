/** Structured logs: one JSON object per line on stderr (journald and log shippers take it as is). */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (at: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: at, msg: message, ...fields }, errorsAsText)}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** Logs nothing: for tests and library use. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}

/**
 * A logger that lets each warning or error message through at most once per `windowMs`: an outage
 * then logs one line a minute, not one per retry. The next line of a message after its window says
 * how many like it were held back (`repeated`) and since when. Debug and info lines pass unchanged.
 */
export function rateLimitRepeats(log: Logger, windowMs = 60_000, now: () => number = Date.now): Logger {
  const seen = new Map<string, { at: number; held: number; since: number }>();
  const limit =
    (at: 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>): void => {
      const key = `${at} ${message}`;
      const t = now();
      const last = seen.get(key);
      if (last && t - last.at < windowMs) {
        if (last.held === 0) last.since = t;
        last.held++;
        return;
      }
      seen.set(key, { at: t, held: 0, since: t });
      const repeated = last && last.held > 0 ? { repeated: last.held, repeatedSince: new Date(last.since).toISOString() } : {};
      log[at](message, { ...fields, ...repeated });
    };
  return { debug: log.debug, info: log.info, warn: limit('warn'), error: limit('error') };
}
