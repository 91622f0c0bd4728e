// Hand-written equivalents of the server's zod schemas, producing the same issue shapes
// ({code, message, path}) that zodErrorToHTTP sends. Messages never quote the rejected value,
// so a secret sent in the wrong field cannot come back in an error.

export type PathSegment = string | number;

export interface ValidationIssue {
  code: string;
  message: string;
  path: PathSegment[];
}

export type JsonObject = Record<string, unknown>;

export const UNIQUE_KEY_PATTERN = /^[a-zA-Z0-9~:.@ _-]+$/;
const PROVIDER_PATTERN = /^[a-zA-Z0-9_-]+$/;
const SCOPES_PATTERN = /^[0-9a-zA-Z:/_.*-]+(,[0-9a-zA-Z:/_.*-]+)*$/;
const PRIVATE_KEY_START = '-----BEGIN RSA PRIVATE KEY-----';
const PRIVATE_KEY_END = '-----END RSA PRIVATE KEY-----';
const CREDENTIAL_TYPES = ['OAUTH1', 'OAUTH2', 'TBA', 'APP', 'CUSTOM'] as const;

export type CredentialsType = (typeof CREDENTIAL_TYPES)[number];

export type CredentialsInput =
  | { type: 'OAUTH1' | 'OAUTH2' | 'TBA'; client_id: string; client_secret: string; scopes?: string; webhook_secret?: string }
  | { type: 'APP'; app_id: string; app_link: string; private_key: string }
  | { type: 'CUSTOM'; client_id: string; client_secret: string; app_id: string; app_link: string; private_key: string };

export interface PostBody {
  provider: string;
  unique_key: string;
  display_name?: string;
  forward_webhooks?: boolean;
  credentials?: CredentialsInput;
  integration_config?: Record<string, string>;
  custom?: Record<string, string>;
}

export interface PatchBody {
  unique_key?: string;
  display_name?: string;
  forward_webhooks?: boolean;
  credentials?: CredentialsInput;
  integration_config?: Record<string, string>;
  custom?: Record<string, string>;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** zod's name for the type it received. */
function receivedType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'nan';
  return typeof value;
}

function invalidType(expected: string, value: unknown, path: PathSegment[]): ValidationIssue {
  const message = value === undefined ? 'Required' : `Expected ${expected}, received ${receivedType(value)}`;
  return { code: 'invalid_type', message, path };
}

interface StringRules {
  min?: number;
  max?: number;
  pattern?: RegExp;
  startsWith?: string;
  endsWith?: string;
}

function checkString(value: unknown, path: PathSegment[], rules: StringRules, issues: ValidationIssue[]): value is string {
  if (typeof value !== 'string') {
    issues.push(invalidType('string', value, path));
    return false;
  }
  const before = issues.length;
  if (rules.min !== undefined && value.length < rules.min) {
    issues.push({ code: 'too_small', message: `String must contain at least ${rules.min} character(s)`, path });
  }
  if (rules.max !== undefined && value.length > rules.max) {
    issues.push({ code: 'too_big', message: `String must contain at most ${rules.max} character(s)`, path });
  }
  if (rules.pattern && !rules.pattern.test(value)) {
    issues.push({ code: 'invalid_string', message: 'Invalid', path });
  }
  if (rules.startsWith !== undefined && !value.startsWith(rules.startsWith)) {
    issues.push({ code: 'invalid_string', message: `Invalid input: must start with "${rules.startsWith}"`, path });
  }
  if (rules.endsWith !== undefined && !value.endsWith(rules.endsWith)) {
    issues.push({ code: 'invalid_string', message: `Invalid input: must end with "${rules.endsWith}"`, path });
  }
  return issues.length === before;
}

function checkOptionalString(obj: JsonObject, key: string, path: PathSegment[], rules: StringRules, issues: ValidationIssue[]): void {
  if (obj[key] !== undefined) checkString(obj[key], [...path, key], rules, issues);
}

function checkRequiredString(obj: JsonObject, key: string, path: PathSegment[], rules: StringRules, issues: ValidationIssue[]): void {
  checkString(obj[key], [...path, key], rules, issues);
}

function checkUnknownKeys(obj: JsonObject, allowed: readonly string[], path: PathSegment[], issues: ValidationIssue[]): void {
  const unknown = Object.keys(obj).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    issues.push({
      code: 'unrecognized_keys',
      message: `Unrecognized key(s) in object: ${unknown.map((key) => `'${key}'`).join(', ')}`,
      path,
    });
  }
}

function checkStringRecord(value: unknown, path: PathSegment[], maxLength: number | undefined, issues: ValidationIssue[]): void {
  if (value === undefined) return;
  if (!isJsonObject(value)) {
    issues.push(invalidType('object', value, path));
    return;
  }
  for (const [key, entry] of Object.entries(value)) {
    checkString(entry, [...path, key], maxLength === undefined ? {} : { max: maxLength }, issues);
  }
}

function checkBoolean(value: unknown, path: PathSegment[], issues: ValidationIssue[]): void {
  if (value !== undefined && typeof value !== 'boolean') issues.push(invalidType('boolean', value, path));
}

const OAUTH_KEYS = ['type', 'client_id', 'client_secret', 'scopes', 'webhook_secret'] as const;
const APP_KEYS = ['type', 'app_id', 'app_link', 'private_key'] as const;
const CUSTOM_KEYS = ['type', 'client_id', 'client_secret', 'app_id', 'app_link', 'private_key'] as const;

function checkCredentials(value: unknown, issues: ValidationIssue[]): void {
  const path = ['credentials'];
  if (value === undefined) return;
  if (!isJsonObject(value)) {
    issues.push(invalidType('object', value, path));
    return;
  }
  const type = value['type'];
  if (typeof type !== 'string' || !(CREDENTIAL_TYPES as readonly string[]).includes(type)) {
    issues.push({
      code: 'invalid_union_discriminator',
      message: `Invalid discriminator value. Expected ${CREDENTIAL_TYPES.map((t) => `'${t}'`).join(' | ')}`,
      path: [...path, 'type'],
    });
    return;
  }
  const privateKeyRules: StringRules = { startsWith: PRIVATE_KEY_START, endsWith: PRIVATE_KEY_END };
  if (type === 'APP') {
    checkRequiredString(value, 'app_id', path, { min: 1, max: 255 }, issues);
    checkRequiredString(value, 'app_link', path, { min: 1 }, issues);
    checkRequiredString(value, 'private_key', path, privateKeyRules, issues);
    checkUnknownKeys(value, APP_KEYS, path, issues);
    return;
  }
  checkRequiredString(value, 'client_id', path, { min: 1, max: 255 }, issues);
  checkRequiredString(value, 'client_secret', path, { min: 1 }, issues);
  if (type === 'CUSTOM') {
    checkRequiredString(value, 'app_id', path, { min: 1, max: 255 }, issues);
    checkRequiredString(value, 'app_link', path, { min: 1 }, issues);
    checkRequiredString(value, 'private_key', path, privateKeyRules, issues);
    checkUnknownKeys(value, CUSTOM_KEYS, path, issues);
    return;
  }
  const scopes = value['scopes'];
  if (scopes !== undefined && (typeof scopes !== 'string' || (scopes !== '' && !SCOPES_PATTERN.test(scopes)))) {
    issues.push({ code: 'invalid_union', message: 'Invalid input', path: [...path, 'scopes'] });
  }
  checkOptionalString(value, 'webhook_secret', path, { max: 255 }, issues);
  checkUnknownKeys(value, OAUTH_KEYS, path, issues);
}

const POST_KEYS = ['provider', 'unique_key', 'display_name', 'forward_webhooks', 'credentials', 'integration_config', 'custom'] as const;
const PATCH_KEYS = ['unique_key', 'display_name', 'forward_webhooks', 'credentials', 'integration_config', 'custom'] as const;

function checkCommonFields(body: JsonObject, issues: ValidationIssue[]): void {
  checkOptionalString(body, 'display_name', [], { min: 1, max: 255 }, issues);
  checkBoolean(body['forward_webhooks'], ['forward_webhooks'], issues);
  checkCredentials(body['credentials'], issues);
  checkStringRecord(body['integration_config'], ['integration_config'], 8192, issues);
  checkStringRecord(body['custom'], ['custom'], undefined, issues);
}

export function validatePostBody(body: unknown): Validated<PostBody> {
  if (!isJsonObject(body)) return { ok: false, issues: [invalidType('object', body, [])] };
  const issues: ValidationIssue[] = [];
  checkRequiredString(body, 'provider', [], { max: 255, pattern: PROVIDER_PATTERN }, issues);
  checkRequiredString(body, 'unique_key', [], { max: 255, pattern: UNIQUE_KEY_PATTERN }, issues);
  checkCommonFields(body, issues);
  checkUnknownKeys(body, POST_KEYS, [], issues);
  if (issues.length > 0) return { ok: false, issues };
  // Every field was checked above; this narrows the parsed JSON to its declared shape.
  return { ok: true, value: body as unknown as PostBody };
}

export function validatePatchBody(body: unknown): Validated<PatchBody> {
  if (!isJsonObject(body)) return { ok: false, issues: [invalidType('object', body, [])] };
  const issues: ValidationIssue[] = [];
  checkOptionalString(body, 'unique_key', [], { max: 255, pattern: UNIQUE_KEY_PATTERN }, issues);
  checkCommonFields(body, issues);
  checkUnknownKeys(body, PATCH_KEYS, [], issues);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: body as unknown as PatchBody };
}

/** The `:uniqueKey` path parameter, after percent-decoding. */
export function validateUniqueKeyParam(key: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  checkString(key, ['uniqueKey'], { max: 255, pattern: UNIQUE_KEY_PATTERN }, issues);
  return issues;
}

/** Query parameters as Express's `qs` would group them: `a[]=x&a[]=y` and `a=x&a=y` both give an array. */
export type ParsedQuery = Map<string, string[]>;

export function parseQuery(search: URLSearchParams): ParsedQuery {
  const parsed: ParsedQuery = new Map();
  for (const [rawKey, value] of search) {
    const key = rawKey.replace(/\[\d*\]$/, '');
    const values = parsed.get(key) ?? [];
    values.push(value);
    parsed.set(key, values);
  }
  return parsed;
}

export function unknownQueryKeys(query: ParsedQuery, allowed: readonly string[]): ValidationIssue[] {
  const unknown = [...query.keys()].filter((key) => !allowed.includes(key));
  if (unknown.length === 0) return [];
  return [{ code: 'unrecognized_keys', message: `Unrecognized key(s) in object: ${unknown.map((k) => `'${k}'`).join(', ')}`, path: [] }];
}

export type IncludeOption = 'webhook' | 'credentials';

export function validateIncludeQuery(query: ParsedQuery): Validated<Set<IncludeOption>> {
  const issues = unknownQueryKeys(query, ['include']);
  const include = new Set<IncludeOption>();
  for (const value of query.get('include') ?? []) {
    if (value === 'webhook' || value === 'credentials') include.add(value);
    else issues.push({ code: 'invalid_union', message: 'Invalid input', path: ['include'] });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: include };
}

export interface ConnectionsQuery {
  integrationId?: string;
  connectionId?: string;
  limit?: number;
}

export function validateConnectionsQuery(query: ParsedQuery): Validated<ConnectionsQuery> {
  const issues = unknownQueryKeys(query, ['integrationId', 'connectionId', 'limit']);
  const result: ConnectionsQuery = {};
  for (const key of ['integrationId', 'connectionId'] as const) {
    const values = query.get(key);
    if (!values) continue;
    if (values.length !== 1) issues.push(invalidType('string', values, [key]));
    else result[key] = values[0];
  }
  const limits = query.get('limit');
  if (limits) {
    const limit = limits.length === 1 ? Number(limits[0]) : Number.NaN;
    if (Number.isNaN(limit)) issues.push(invalidType('number', limit, ['limit']));
    else if (!Number.isInteger(limit)) issues.push({ code: 'invalid_type', message: 'Expected integer, received float', path: ['limit'] });
    else if (limit < 1) issues.push({ code: 'too_small', message: 'Number must be greater than or equal to 1', path: ['limit'] });
    else if (limit > 2000) issues.push({ code: 'too_big', message: 'Number must be less than or equal to 2000', path: ['limit'] });
    else result.limit = limit;
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: result };
}
