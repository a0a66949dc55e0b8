/** @module ajv set-up: JSON Schema 2020-12, one compile per schema, errors turned into CallErrors that name each field. */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { CallError, type CallErrorCode } from './call-error.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
/** A JSON Schema (2020-12) literal, usually declared `as const`. */
export type JsonSchema = Readonly<Record<string, unknown>>;

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

function createAjv(coerceTypes: boolean): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    useDefaults: true,
    coerceTypes: coerceTypes ? 'array' : false,
    strict: true,
    // Each error carries the schema it failed, so the schema's own `errorMessage` can be the message.
    verbose: true,
    // `example` appears in OpenAPI-facing schemas; `errorMessage` is the message editors (VS Code) show when a
    // value fails that schema, and the engine shows the same text. Both are documentation, not validation.
    keywords: ['example', 'errorMessage'],
  });
  addFormats(ajv);
  return ajv;
}

const exact = createAjv(false);
// Schemas written elsewhere (an MCP server's tool parameters) may use keywords or formats ajv does not know: those are
// ignored rather than refused, and the value is checked, never changed (no defaults applied).
const lenient = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
// GET query strings carry only text: `stream=false` must become the boolean false, `n=3` the number 3.
const coercing = createAjv(true);

export interface FieldError {
  /** JSON pointer of the offending field, e.g. `/conversation_file` (the missing or extra key included). */
  field: string;
  message: string;
  keyword: string;
  params: Record<string, unknown>;
}

export interface CompiledSchema {
  /** Validates (applying defaults, in place) and returns the value, or throws a CallError with `code`. */
  check(value: unknown, code: CallErrorCode, what: string): unknown;
  /** Validates (applying defaults, in place) and returns every problem, in the order found; empty when valid. */
  problems(value: unknown): FieldError[];
}

/**
 * Compiles a schema once. A schema with an `$id` (a schema file) is compiled once per process however many
 * modules ask, and its parts can then be compiled on their own: `compileSchema({ $ref: `${id}#/$defs/node` })`.
 * `foreign` is for schemas written elsewhere (an MCP server's tool parameters): checked leniently, never changed.
 */
export function compileSchema(schema: JsonSchema, options: { coerce?: boolean; foreign?: boolean } = {}): CompiledSchema {
  const ajv = options.foreign ? lenient : options.coerce ? coercing : exact;
  const id = schema['$id'];
  const validate: ValidateFunction = (typeof id === 'string' ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema);
  const branches = taggedBranches(schema, ajv);
  // A value of a tagged union is checked against its own branch only; the whole `oneOf` runs (and says what is
  // wrong) only when that fails. With allErrors and verbose, the whole `oneOf` builds an error object for every
  // other branch, on every event, even a valid one: most of the engine's allocation per streamed chunk.
  const passes = (value: unknown): boolean => branches?.get(tagOf(value))?.(value) === true;
  const problems = (value: unknown): FieldError[] => (passes(value) || validate(value) ? [] : (validate.errors ?? []).map(toFieldError));
  return {
    check(value, code, what) {
      const details = problems(value);
      if (details.length === 0) return value;
      const summary = details.map((detail) => `${detail.field || '/'} ${detail.message}`).join('; ');
      throw new CallError(code, `${what} is invalid: ${summary}`, { details });
    },
    problems,
  };
}

/**
 * The branches of a schema that is only a `oneOf` of objects told apart by a distinct `type` constant (a stream's
 * events), compiled one by one and keyed by that constant; undefined for any other schema. For such a union a value
 * passes the `oneOf` exactly when it passes the branch its `type` names: every other branch fails on `type`.
 * Branches that refer elsewhere (`$ref`) or set defaults are left to the whole schema.
 */
function taggedBranches(schema: JsonSchema, ajv: Ajv2020): Map<string, ValidateFunction> | undefined {
  const { oneOf, ...rest } = schema as { oneOf?: unknown };
  if (!Array.isArray(oneOf) || Object.keys(rest).some((key) => !['title', 'description'].includes(key))) return undefined;
  const text = JSON.stringify(oneOf);
  if (text.includes('"$ref"') || text.includes('"$dynamicRef"') || text.includes('"default"')) return undefined;
  const branches = new Map<string, ValidateFunction>();
  for (const branch of oneOf as Record<string, unknown>[]) {
    const tag = (branch['properties'] as { type?: { const?: unknown } } | undefined)?.type?.const;
    const required = branch['required'];
    if (branch['type'] !== 'object' || typeof tag !== 'string' || branches.has(tag)) return undefined;
    if (!Array.isArray(required) || !required.includes('type')) return undefined;
    branches.set(tag, ajv.compile(branch));
  }
  return branches;
}

function tagOf(value: unknown): string {
  const tag = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  return typeof tag === 'string' ? tag : '';
}

/** Keywords that fail because of another field (missing, extra, misnamed), not the value their schema describes. */
const aboutOtherFields = new Set(['required', 'dependentRequired', 'additionalProperties', 'unevaluatedProperties', 'propertyNames']);

function toFieldError(error: ErrorObject): FieldError {
  const params = error.params as Record<string, unknown>;
  // A failed property name: ajv names it in `propertyName` (the inner error) or `params.propertyName` (the outer).
  const key = params['missingProperty'] ?? params['additionalProperty'] ?? error.propertyName ?? params['propertyName'];
  const field = typeof key === 'string' ? `${error.instancePath}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}` : error.instancePath;
  return { field, message: messageOf(error, params), keyword: error.keyword, params };
}

/** The schema's own `errorMessage`, else ajv's message, except where it hides what would be accepted. */
function messageOf(error: ErrorObject, params: Record<string, unknown>): string {
  const own = (error.parentSchema as { errorMessage?: unknown } | undefined)?.errorMessage;
  if (typeof own === 'string' && !aboutOtherFields.has(error.keyword)) return own;
  if (error.keyword === 'additionalProperties') return 'is not an accepted field';
  if (error.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
    return `must be one of ${params['allowedValues'].map((value) => JSON.stringify(value)).join(', ')}`;
  }
  return error.message ?? 'is invalid';
}
