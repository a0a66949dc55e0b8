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
}

export function compileSchema(schema: JsonSchema, options: { coerce?: boolean; foreign?: boolean } = {}): CompiledSchema {
  const validate: ValidateFunction = (options.foreign ? lenient : options.coerce ? coercing : exact).compile(schema);
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
  const message = error.keyword === 'additionalProperties' ? 'is not an accepted field' : (error.message ?? 'is invalid');
  return { field, message, keyword: error.keyword, params };
}
