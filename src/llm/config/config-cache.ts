/**
 * @module Loaded config files kept per file version and per environment, so a request that names an unchanged
 * config skips the read, the parse, the schema and the placeholders. The file is still located (sandbox, links)
 * and stat'ed on every load, so an edit by hand is seen by the very next request; a change to any variable the
 * file's placeholders read is too. The resolved config holds the key: it is kept here and never logged.
 */
import type { LoadedConfig } from './config-check.js';
import type { LocatedConfig } from './config-file.js';
import { placeholderVariables, type Environment } from './config-placeholders.js';

interface CachedFile {
  /** `LocatedConfig.version` of the content below. */
  version: string;
  /** The parsed JSON of that version, before placeholders are resolved. */
  raw: unknown;
  /** The variables its placeholders read: with the version, all a resolved config depends on. */
  variables: string[];
  /** The last resolution, and the values of `variables` it was made with. */
  resolved?: { values: Array<string | undefined>; loaded: LoadedConfig };
}

export interface CachedLoad {
  loaded: LoadedConfig;
  /** True when `check` ran: the config is new to this cache (or changed), as opposed to the same one again. */
  fresh: boolean;
}

export class ConfigCache {
  readonly #files = new Map<string, CachedFile>();
  readonly #limit: number;

  /** `limit`: how many files are kept; the least recently used goes first (aliases through links count apart). */
  constructor(limit = 256) {
    this.#limit = limit;
  }

  /**
   * The loaded config of `located` in `env`. `read` (the file's JSON) runs only for a version not seen before,
   * `check` (schema, placeholders, provider) only when the version or a variable it reads changed. Failures are
   * not kept: a broken file or a missing variable is looked at again next time.
   */
  async load(
    located: LocatedConfig,
    env: Environment,
    read: () => Promise<unknown>,
    check: (raw: unknown) => LoadedConfig,
  ): Promise<CachedLoad> {
    const key = `${located.file}\0${located.realPath}`;
    let entry = this.#files.get(key);
    if (entry?.version !== located.version) {
      const raw = await read();
      entry = { version: located.version, raw, variables: placeholderVariables(raw) };
    }
    this.#remember(key, entry);
    const values = entry.variables.map((name) => env[name]);
    const { resolved } = entry;
    if (resolved !== undefined && values.every((value, index) => value === resolved.values[index])) {
      return { loaded: resolved.loaded, fresh: false };
    }
    const loaded = deepFreeze(check(entry.raw));
    entry.resolved = { values, loaded };
    return { loaded, fresh: true };
  }

  #remember(key: string, entry: CachedFile): void {
    this.#files.delete(key);
    this.#files.set(key, entry);
    if (this.#files.size > this.#limit) this.#files.delete(this.#files.keys().next().value!);
  }
}

/** Shared by every request that loads this config: frozen, so no caller can change it for the next one. */
function deepFreeze<Value>(value: Value): Value {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
