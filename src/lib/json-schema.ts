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
    // `example` / `examples` appear in OpenAPI-facing schemas; they are documentation, not validation.
    keywords: ['example'],
  });
  addFormats(ajv);
  return ajv;
}

const exact = createAjv(false);
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
}

export function compileSchema(schema: JsonSchema, options: { coerce?: boolean } = {}): CompiledSchema {
  const validate: ValidateFunction = (options.coerce ? coercing : exact).compile(schema);
  return {
    check(value, code, what) {
      if (validate(value)) return value;
      const details = (validate.errors ?? []).map(toFieldError);
      const summary = details.map((detail) => `${detail.field || '/'} ${detail.message}`).join('; ');
      throw new CallError(code, `${what} is invalid: ${summary}`, { details });
    },
  };
}

function toFieldError(error: ErrorObject): FieldError {
  const params = error.params as Record<string, unknown>;
  const key = params['missingProperty'] ?? params['additionalProperty'] ?? params['propertyName'];
  const field = typeof key === 'string' ? `${error.instancePath}/${key}` : error.instancePath;
  return { field, message: messageOf(error, params), keyword: error.keyword, params };
}

/** ajv's message, except where it hides what would be accepted: the allowed values are spelled out. */
function messageOf(error: ErrorObject, params: Record<string, unknown>): string {
  if (error.keyword === 'additionalProperties') return 'is not an accepted field';
  if (error.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
    return `must be one of ${params['allowedValues'].map((value) => JSON.stringify(value)).join(', ')}`;
  }
  return error.message ?? 'is invalid';
}
