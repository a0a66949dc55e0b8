/** @module A small leveled logger: one line per record, text or JSON, with secrets masked before output. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Registers a value (an API key) that must never be printed; every later line masks it. */
  addSecret(secret: string): void;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'text' | 'json';
  /** Where lines go; stderr by default so stdout stays free for CLI output. */
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = rank[options.level ?? 'info'];
  const format = options.format ?? 'text';
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const secrets = new Set<string>();

  const mask = (line: string): string => {
    let masked = line;
    for (const secret of secrets) masked = masked.split(secret).join('***');
    return masked;
  };

  const log = (level: Exclude<LogLevel, 'silent'>, message: string, fields: LogFields = {}): void => {
    if (rank[level] < threshold) return;
    const time = new Date().toISOString();
    const line =
      format === 'json'
        ? JSON.stringify({ time, level, message, ...fields }, errorReplacer)
        : `${time} ${level.toUpperCase().padEnd(5)} ${message}${formatFields(fields)}`;
    write(mask(line));
  };

  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    addSecret(secret) {
      // Very short values would mask ordinary words; a real key is never this short.
      if (secret.length >= 6) secrets.add(secret);
    },
  };
}

function formatFields(fields: LogFields): string {
  const parts = Object.entries(fields).map(([key, value]) => `${key}=${JSON.stringify(value, errorReplacer)}`);
  return parts.length === 0 ? '' : ' ' + parts.join(' ');
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const cause = value.cause === undefined ? {} : { cause: value.cause };
    return { name: value.name, message: value.message, stack: value.stack, ...cause };
  }
  return value;
}

export function parseLogLevel(value: string | undefined): LogLevel {
  const level = (value ?? 'info').toLowerCase();
  if (level in rank) return level as LogLevel;
  throw new Error(`LOG_LEVEL must be one of ${Object.keys(rank).join(', ')}; got "${value}"`);
}

/** A logger that drops everything: the default for tests and embedded use. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
