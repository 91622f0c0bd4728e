import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { error } from './diagnostics.js';
import { dependsOnMissing, locate, type ResolvedDocument } from './document.js';
import { closestMatches } from './edit-distance.js';
import { SECRET_FIELDS } from './normalize.js';
import { packageRoot } from '../package-root.js';
import { childPointer, displayPath } from './pointer.js';
import type { Diagnostic } from './types.js';

export function schemaPath(): string {
  return join(packageRoot(), 'schemas', 'nango-gitops.schema.json');
}

/** Written by `npm run build` (scripts/build-validator.ts): compiling the schema at every start costs ~100 ms. */
export function prebuiltValidatorPath(): string {
  return join(packageRoot(), 'generated', 'config-validator.cjs');
}

let validator: ValidateFunction | undefined;

/**
 * The one ajv set-up, shared by the build step that pre-compiles the schema and the run-time fallback.
 * Strict: a keyword ajv does not know fails the build, so the schema stays plain JSON Schema that every
 * editor reads the same way (no vendor keywords such as `patternErrorMessage`).
 */
export async function createSchemaAjv(options: { source?: boolean } = {}): Promise<Ajv> {
  // In the CLI's CommonJS bundle this import() becomes a require() (rolldown.config.mjs): its chunks run
  // from V8's code cache (cli/code-cache.ts), where Node 20 cannot resolve an import(). The Action's bundle
  // inlines ajv here, as it has no node_modules.
  const { Ajv } = await import('ajv');
  return new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, code: { source: options.source === true } });
}

export function readSchema(): { schema: Record<string, unknown>; text: string } {
  const text = readFileSync(schemaPath(), 'utf8');
  return { schema: JSON.parse(text) as Record<string, unknown>, text };
}

async function compile(): Promise<ValidateFunction> {
  if (validator) return validator;
  const text = readFileSync(schemaPath(), 'utf8');
  try {
    const prebuilt = createRequire(import.meta.url)(prebuiltValidatorPath()) as ValidateFunction & { schemaText?: string };
    // A stale pre-compiled validator (schema edited since the build) must not be used. The build keeps the
    // text it compiled: comparing it costs less than parsing or hashing the schema at every start.
    if (prebuilt.schemaText === text) validator = prebuilt;
  } catch {
    // Not built yet (e.g. tests straight from src/): compile below.
  }
  validator ??= (await createSchemaAjv()).compile(JSON.parse(text) as Record<string, unknown>);
  return validator;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  boolean: 'true or false',
  integer: 'a whole number',
  number: 'a number',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
  'string,array': 'a string or a list of strings',
  'array,object': 'a list of environment names or a mapping of environment name to overrides',
  'object,null': 'a mapping (or empty)',
};

function lastSegment(pointer: string): string {
  return pointer.slice(pointer.lastIndexOf('/') + 1).replaceAll('~1', '/').replaceAll('~0', '~');
}

function propertyNames(e: ErrorObject): string[] {
  const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : [];
}

const SECRET: ReadonlySet<string> = new Set(SECRET_FIELDS);

/**
 * YAML reads `app_id: 12345` as a number and `display_name: true` as a boolean: say how to write the
 * string. Such a value is a literal of the file (interpolation only makes strings); a secret field's is
 * still not repeated.
 */
function quoteHint(pointer: string, value: unknown): string {
  if (typeof value !== 'number' && typeof value !== 'boolean') return '';
  const field = lastSegment(pointer);
  const shown = SECRET.has(field) || (typeof value === 'number' && !Number.isSafeInteger(value)) ? '…' : String(value);
  return `: quote it: ${/^\d+$/.test(field) ? '' : `${field}: `}"${shown}"`;
}

interface Mapped {
  pointer: string;
  at: 'key' | 'value';
  message: string;
}

/** ajv's wording → short messages a config author can act on. Never includes the offending value. */
function mapError(e: ErrorObject): Mapped | undefined {
  // A `propertyNames` failure arrives twice: as the inner keyword's error naming the key, and as a summary.
  const p = e.propertyName === undefined ? e.instancePath : childPointer(e.instancePath, e.propertyName);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'if':
    case 'propertyNames':
      return undefined; // the `then` branch's (or the key's) own errors say what is wrong
    case 'additionalProperties': {
      const name = String(params['additionalProperty']);
      const close = closestMatches(name, propertyNames(e), 1);
      const hint = close.length > 0 ? ` (did you mean "${close[0]}"?)` : '';
      const where = p === '' ? '; a config file holds only "integrations", "settings" and "environments"' : '';
      return { pointer: childPointer(p, name), at: 'key', message: `unknown field "${name}"${hint}${where}` };
    }
    case 'required':
      return { pointer: p, at: 'value', message: `missing required field "${String(params['missingProperty'])}"` };
    case 'type': {
      const t = Array.isArray(params['type']) ? params['type'].join(',') : String(params['type']);
      if (p === '') return { pointer: p, at: 'value', message: 'a config file must be a mapping with "integrations" and/or "settings"' };
      return { pointer: p, at: 'value', message: `must be ${TYPE_WORDS[t] ?? t}${t === 'string' ? quoteHint(p, e.data) : ''}` };
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String).join(', ');
      return { pointer: p, at: 'value', message: `"${lastSegment(p)}" must be one of ${allowed}` };
    }
    case 'const':
      return { pointer: p, at: 'value', message: `"${lastSegment(p)}" must be ${String(params['allowedValue'])}` };
    case 'minLength':
      return { pointer: p, at: 'value', message: params['limit'] === 1 ? 'must not be empty' : `must be at least ${String(params['limit'])} characters` };
    case 'maxLength':
      return { pointer: p, at: 'value', message: `must be at most ${String(params['limit'])} characters` };
    case 'minimum':
      return { pointer: p, at: 'value', message: `must be ${String(params['comparison'])} ${String(params['limit'])}` };
    case 'pattern': {
      // Each pattern in the schema sits in a subschema whose description states the rule in words.
      const custom = (e.parentSchema as { description?: string } | undefined)?.description;
      return { pointer: p, at: e.propertyName === undefined ? 'value' : 'key', message: custom ?? `must match ${String(params['pattern'])}` };
    }
    case 'minItems':
    case 'minProperties':
      return { pointer: p, at: 'value', message: 'must not be empty' };
    case 'uniqueItems':
      return { pointer: childPointer(p, String(params['i'])), at: 'value', message: `is listed twice (also item ${String(params['j'])})` };
    default:
      return { pointer: p, at: 'value', message: e.message ?? `fails the "${e.keyword}" rule` };
  }
}

/**
 * ajv (allErrors) concatenates the error array once per failing list item, which is quadratic in the
 * number of errors: a 200 KB file of 100,000 bad items took six minutes. Validating the integrations
 * list in slices keeps it linear; errors outside the list repeat per slice and are deduplicated below.
 */
const SLICE = 500;

function schemaErrors(validate: ValidateFunction, value: unknown): ErrorObject[] {
  const root = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  const list = root?.['integrations'];
  if (!root || !Array.isArray(list) || list.length <= SLICE) return validate(value) ? [] : [...(validate.errors ?? [])];
  const errors: ErrorObject[] = [];
  for (let start = 0; start < list.length; start += SLICE) {
    if (validate({ ...root, integrations: list.slice(start, start + SLICE) })) continue;
    for (const e of validate.errors ?? []) {
      const instancePath = e.instancePath.replace(/^\/integrations\/(\d+)/, (_m, i: string) => `/integrations/${Number(i) + start}`);
      errors.push({ ...e, instancePath });
    }
  }
  return errors;
}

/** Validates one resolved document against schemas/nango-gitops.schema.json, reporting every error. */
export async function validateSchema(doc: ResolvedDocument): Promise<Diagnostic[]> {
  if (doc.value === null) return [];
  let validate: ValidateFunction;
  try {
    validate = await compile();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return [error(`cannot load the config schema ${schemaPath()}: ${why}`)];
  }
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const e of schemaErrors(validate, doc.value)) {
    const m = mapError(e);
    if (!m) continue;
    // A placeholder for an unset variable (--allow-missing-env) would fail minLength or pattern.
    if (e.keyword !== 'additionalProperties' && e.keyword !== 'required' && dependsOnMissing(doc, m.pointer)) continue;
    const path = displayPath(m.pointer);
    const id = `${m.pointer}\u0000${path ?? ''}\u0000${m.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(error(m.message, { location: locate(doc, m.pointer, m.at), ...(path !== undefined ? { path } : {}) }));
  }
  return out;
}
