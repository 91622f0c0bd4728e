// Checks the schema cannot express: provider catalog lookups, credential shapes that depend on the
// provider, cross-file uniqueness. Runs on every well-typed part of every document even when the
// schema found errors elsewhere, so one run reports everything.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { CatalogUnavailableError, credentialsTypeFor, getProvider, requiresCredentials, siblingProviders, suggestProviders, type CatalogProvider } from './catalog.js';
import { error, formatLocation, warning } from './diagnostics.js';
import { dependsOnMissing, isSensitive, locate, type ResolvedDocument } from './document.js';
import { stripOneNewline } from './env.js';
import { childPointer, displayPath } from './pointer.js';
import type { Diagnostic, SourceLocation } from './types.js';

export const SCOPE_PATTERN = /^[0-9a-zA-Z:/_.*-]+$/;
const SCOPE_RULE = 'a scope may contain only letters, digits and : / _ . * -';
const RSA_BEGIN = '-----BEGIN RSA PRIVATE KEY-----';
const RSA_END = '-----END RSA PRIVATE KEY-----';
const CONVERT_HINT = 'convert it with "openssl rsa -in key.pem -traditional -out key-rsa.pem"';

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** One integration list item, with enough context to point at its fields. */
interface Item {
  doc: ResolvedDocument;
  pointer: string;
  value: Record<string, unknown>;
}

function fieldString(item: Item, field: string): string | undefined {
  const v = item.value[field];
  if (typeof v !== 'string') return undefined;
  return item.doc.missing.size === 0 || !dependsOnMissing(item.doc, childPointer(item.pointer, field)) ? v : undefined;
}

/** The value in quotes, or a stand-in when it came from the environment and so may be secret. */
function shown(doc: ResolvedDocument, pointer: string, value: string): string {
  return isSensitive(doc, pointer) ? '(value from the environment)' : `"${value}"`;
}

function at(item: Item, field: string, message: string, severity: 'error' | 'warning' = 'error'): Diagnostic {
  const pointer = childPointer(item.pointer, field);
  const path = displayPath(pointer);
  const make = severity === 'error' ? error : warning;
  return make(message, { location: locate(item.doc, pointer), ...(path !== undefined ? { path } : {}) });
}

export function validateSemantics(docs: readonly ResolvedDocument[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const items: Item[] = [];
  let settingsAt: SourceLocation | undefined;

  for (const doc of docs) {
    const root = record(doc.value);
    if (!root) continue;
    if ('settings' in root && root['settings'] !== undefined) {
      const here = locate(doc, '/settings', 'key');
      if (settingsAt) {
        out.push(
          error(`settings are already defined at ${formatLocation(settingsAt)}; at most one config file may hold settings`, {
            location: here,
            path: 'settings',
          }),
        );
      } else {
        settingsAt = here;
      }
    }
    const list = root['integrations'];
    if (!Array.isArray(list)) continue;
    list.forEach((v, i) => {
      const value = record(v);
      if (!value) return;
      const item: Item = { doc, pointer: childPointer('/integrations', i), value };
      items.push(item);
      // An environment's view has this key taken out (environment-view.ts): here there is no environments block.
      if (Object.hasOwn(value, 'environments')) {
        out.push(at(item, 'environments', 'this config declares no environments: add an environments: block (next to settings:) or remove this key'));
      }
    });
  }

  checkKeys(items, out);
  let catalogOk = true;
  for (const item of items) {
    if (catalogOk) {
      try {
        checkProvider(item, out);
      } catch (err) {
        if (!(err instanceof CatalogUnavailableError)) throw err;
        out.push(error(err.message));
        catalogOk = false;
      }
    }
    const creds = record(item.value['credentials']);
    if (creds) {
      const credsItem: Item = { doc: item.doc, pointer: childPointer(item.pointer, 'credentials'), value: creds };
      checkScopes(credsItem, out);
      checkPrivateKey(credsItem, out);
    }
  }
  return out;
}

/** Where an item's field is written, computed only for a message that names it. */
const fieldAt = (item: Item, field: string): string => formatLocation(locate(item.doc, childPointer(item.pointer, field)));

function checkKeys(items: readonly Item[], out: Diagnostic[]): void {
  const keys = new Map<string, Item>();
  for (const item of items) {
    const key = fieldString(item, 'unique_key');
    if (key === undefined) continue;
    const first = keys.get(key);
    if (first) {
      const pointer = childPointer(item.pointer, 'unique_key');
      out.push(at(item, 'unique_key', `duplicate unique_key ${shown(item.doc, pointer, key)}: also declared at ${fieldAt(first, 'unique_key')}`));
    } else {
      keys.set(key, item);
    }
  }
  const renames = new Map<string, Item>();
  for (const item of items) {
    const from = fieldString(item, 'renamed_from');
    if (from === undefined) continue;
    const pointer = childPointer(item.pointer, 'renamed_from');
    const what = `renamed_from ${shown(item.doc, pointer, from)}`;
    if (from === fieldString(item, 'unique_key')) {
      out.push(at(item, 'renamed_from', `${what} equals this integration's own unique_key`));
      continue;
    }
    const declared = keys.get(from);
    if (declared) {
      out.push(at(item, 'renamed_from', `${what} is also declared as a unique_key at ${fieldAt(declared, 'unique_key')}; a key cannot be renamed and kept`));
    }
    const first = renames.get(from);
    if (first) {
      out.push(at(item, 'renamed_from', `${what} is also used at ${fieldAt(first, 'renamed_from')}; one remote integration can be renamed only once`));
    } else {
      renames.set(from, item);
    }
  }
}

function checkProvider(item: Item, out: Diagnostic[]): void {
  const slug = fieldString(item, 'provider');
  if (slug === undefined) return;
  const providerPointer = childPointer(item.pointer, 'provider');
  const provider: CatalogProvider | undefined = getProvider(slug);
  if (!provider) {
    if (isSensitive(item.doc, providerPointer)) {
      out.push(at(item, 'provider', 'unknown provider (value from the environment)'));
      return;
    }
    const close = suggestProviders(slug);
    const hint = close.length === 0 ? '' : ` (did you mean ${close.map((c) => `"${c}"`).join(', ')}?)`;
    out.push(at(item, 'provider', `unknown provider "${slug}"${hint}`));
    return;
  }
  const name = shown(item.doc, providerPointer, slug);
  const expected = credentialsTypeFor(provider.auth_mode);
  const creds = item.value['credentials'];
  if (creds === undefined || creds === null) {
    if (requiresCredentials(provider.auth_mode)) {
      // Validation cannot know whether the integration already exists; the planner refuses a create.
      out.push(
        warning(`provider ${name} (auth mode ${provider.auth_mode}) needs credentials to create the integration; without them only an existing integration can be managed`, {
          location: locate(item.doc, item.pointer),
          path: 'credentials',
        }),
      );
    }
    return;
  }
  const credsRecord = record(creds);
  if (!credsRecord) return;
  const typePointer = childPointer(childPointer(item.pointer, 'credentials'), 'type');
  const rawType = credsRecord['type'];
  const type = typeof rawType === 'string' && !dependsOnMissing(item.doc, typePointer) && credentialsTypeFor(rawType) !== undefined ? rawType : undefined;
  // A slug from the environment is not echoed, so neither is a neighbour of it.
  // Only when a message is written: it scans the whole catalog, once per integration otherwise.
  const sibling = (): string => (type !== undefined && !isSensitive(item.doc, providerPointer) ? siblingHint(slug, type) : '');
  if (expected === undefined) {
    out.push(at(item, 'credentials', `provider ${name} (auth mode ${provider.auth_mode}) takes no credentials: remove "credentials"${sibling()}`));
    return;
  }
  if (type !== undefined && type !== expected) {
    const credsItem: Item = { doc: item.doc, pointer: childPointer(item.pointer, 'credentials'), value: credsRecord };
    out.push(at(credsItem, 'type', `provider ${name} needs credentials of type ${expected}, not ${type}${sibling()}`));
  }
}

/** `provider: github` with APP credentials is nearly always `github-app`: say so. */
function siblingHint(slug: string, type: string): string {
  const siblings = siblingProviders(slug, type);
  if (siblings.length === 0) return '';
  return ` (for ${type} credentials, did you mean provider ${siblings.map((s) => `"${s}"`).join(' or ')}?)`;
}

/** Scopes as the API will get them, or the problems that stop that. Shared with normalisation. */
export function splitScopes(value: string | readonly string[]): { scopes: string[]; problems: Array<{ index?: number; message: (shownScope: string) => string; scope: string }> } {
  const scopes: string[] = [];
  const problems: Array<{ index?: number; message: (s: string) => string; scope: string }> = [];
  const check = (raw: string, index: number | undefined): void => {
    const scope = raw.trim();
    if (scope === '') problems.push({ ...(index !== undefined ? { index } : {}), scope, message: () => 'empty scope' });
    else if (!SCOPE_PATTERN.test(scope)) problems.push({ ...(index !== undefined ? { index } : {}), scope, message: (s) => `invalid scope ${s}: ${SCOPE_RULE}` });
    else scopes.push(scope);
  };
  if (typeof value === 'string') {
    if (value.trim() !== '') for (const piece of value.split(',')) check(piece, undefined);
  } else {
    value.forEach((item, i) => {
      if (item.includes(',')) {
        problems.push({ index: i, scope: item, message: () => 'a list item holds one scope: write each scope as its own item, or use one comma-separated string' });
      } else {
        check(item, i);
      }
    });
  }
  return { scopes, problems };
}

function checkScopes(creds: Item, out: Diagnostic[]): void {
  const value = creds.value['scopes'];
  const pointer = childPointer(creds.pointer, 'scopes');
  if (typeof value === 'string') {
    if (dependsOnMissing(creds.doc, pointer)) return;
    for (const p of splitScopes(value).problems) out.push(at(creds, 'scopes', p.message(shown(creds.doc, pointer, p.scope))));
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const itemPointer = childPointer(pointer, i);
      if (typeof item !== 'string' || dependsOnMissing(creds.doc, itemPointer)) return;
      for (const p of splitScopes([item]).problems) {
        const path = displayPath(itemPointer);
        out.push(error(p.message(shown(creds.doc, itemPointer, p.scope)), { location: locate(creds.doc, itemPointer), ...(path !== undefined ? { path } : {}) }));
      }
    });
  }
}

/** What Nango accepts: PKCS#1 PEM with nothing after the END line (one trailing newline is trimmed for you). */
export function privateKeyProblem(raw: string): string | undefined {
  const key = stripOneNewline(raw);
  if (key.startsWith(RSA_BEGIN)) {
    if (key.endsWith(RSA_END)) return rsaKeyProblem(key);
    if (key.trimEnd().endsWith(RSA_END)) {
      return `private_key has extra blank lines or spaces after ${RSA_END} (use a "|" block, not "|+")`;
    }
    return `private_key must end with ${RSA_END}`;
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(key)) {
    return `private_key is an encrypted PKCS#8 key; Nango needs an unencrypted RSA PKCS#1 key: ${CONVERT_HINT}`;
  }
  if (/-----BEGIN PRIVATE KEY-----/.test(key)) {
    return `private_key is a PKCS#8 key ("BEGIN PRIVATE KEY"); Nango needs RSA PKCS#1 ("${RSA_BEGIN}"): ${CONVERT_HINT}`;
  }
  if (key.trimStart().startsWith(RSA_BEGIN)) return `private_key has blank lines or spaces before ${RSA_BEGIN}`;
  return `private_key must be an RSA PKCS#1 PEM starting with ${RSA_BEGIN}`;
}

/**
 * Nango only checks the BEGIN and END lines, so a truncated or altered key would be accepted and fail at
 * the first GitHub request. Node's parser says why without quoting the key (no message of its is shown).
 */
function rsaKeyProblem(pem: string): string | undefined {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MISSING_PASSPHRASE' || /Proc-Type: *4,ENCRYPTED/.test(pem)) {
      return `private_key is encrypted with a passphrase; Nango needs an unencrypted RSA PKCS#1 key: ${CONVERT_HINT}`;
    }
    return 'private_key is not a valid RSA private key: the lines between BEGIN and END do not decode to one (truncated, altered, or another key type under an RSA header?)';
  }
  if (key.asymmetricKeyType !== 'rsa') return `private_key is a ${key.asymmetricKeyType ?? 'non-RSA'} key; Nango needs an RSA key`;
  return undefined;
}

function checkPrivateKey(creds: Item, out: Diagnostic[]): void {
  const key = fieldString(creds, 'private_key');
  if (key === undefined || key === '') return;
  const problem = privateKeyProblem(key);
  if (problem) out.push(at(creds, 'private_key', problem));
}
