/** @module readHttpConfig: the server's settings from the environment, with errors that name the variable. */
import { parseLogLevel, type LogLevel } from '../lib/logger.js';
import { defaultBodyLimitBytes } from './create-app.js';

export interface HttpConfig {
  host: string;
  port: number;
  token?: string;
  corsOrigins: string[];
  bodyLimitBytes: number;
  logLevel: LogLevel;
  logFormat: 'text' | 'json';
}

export function readHttpConfig(env: Record<string, string | undefined> = process.env): HttpConfig {
  const token = env['BRANCHFLOW_TOKEN']?.trim();
  const config: HttpConfig = {
    host: env['HOST']?.trim() || '127.0.0.1',
    port: integer(env, 'PORT', 8050, { min: 0, max: 65_535 }),
    corsOrigins: origins(env['BRANCHFLOW_CORS_ORIGINS']),
    bodyLimitBytes: integer(env, 'BRANCHFLOW_BODY_LIMIT', defaultBodyLimitBytes, { min: 1, max: Number.MAX_SAFE_INTEGER }),
    logLevel: parseLogLevel(env['LOG_LEVEL']?.trim() || undefined),
    logFormat: logFormat(env['LOG_FORMAT']),
  };
  if (token) config.token = checkToken(token);
  return config;
}

/**
 * A token a client can send: RFC 6750's characters, so it fits an Authorization header and a URL as it is. A
 * space or a quote pasted in with it would otherwise make every request a 401 with nothing saying why. The
 * message names the character and where it is, never the token.
 */
function checkToken(token: string): string {
  const bad = /[^A-Za-z0-9\-._~+/=]/.exec(token);
  if (bad) {
    const character = bad[0];
    const shown = /^[\x21-\x7e]$/.test(character)
      ? `"${character}"`
      : `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new Error(
      `BRANCHFLOW_TOKEN has ${shown} at position ${bad.index + 1}; a token may hold only letters, digits and - . _ ~ + / = (so clients can send it as a Bearer token)`,
    );
  }
  return token;
}

function integer(env: Record<string, string | undefined>, name: string, fallback: number, range: { min: number; max: number }): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < range.min || value > range.max) {
    throw new Error(`${name} must be a whole number from ${range.min} to ${range.max}; got "${text}"`);
  }
  return value;
}

function origins(text: string | undefined): string[] {
  const entries = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.map((entry) => {
    const origin = entry.replace(/\/+$/, '');
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    // "*" would let every site's pages call the API, which is what the cross-site refusal exists to stop.
    if (parsed === undefined || parsed.origin !== origin) {
      throw new Error(`BRANCHFLOW_CORS_ORIGINS: "${entry}" is not an origin; list them as scheme://host[:port], comma-separated`);
    }
    return origin;
  });
}

function logFormat(text: string | undefined): 'text' | 'json' {
  const value = (text?.trim() || 'text').toLowerCase();
  if (value === 'text' || value === 'json') return value;
  throw new Error(`LOG_FORMAT must be text or json; got "${text}"`);
}
