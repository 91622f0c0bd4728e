// Live integrations → config documents that plan reports as converged. Pure: no I/O, and no secret value
// ever enters the output (secret fields become ${…} references, listed in `variables`).
import { Document, isMap, isScalar, isSeq, visit, type Pair } from 'yaml';
import type { CredentialsType } from '../config/types.js';
import type { LiveIntegration } from '../nango/types.js';
import { CREDENTIAL_FIELDS } from '../plan/fields.js';
import { createFileNamer } from './file-names.js';
import { createVariableNamer } from './variables.js';

export interface ExportVariable {
  name: string;
  unique_key: string;
  /** Dotted path of the field it fills, e.g. `credentials.client_secret`. */
  path: string;
  /** A secret field; false for a plain value that could not be read (credentials unreadable). */
  secret: boolean;
  /** With an environments block: the environments that read it. */
  environments?: string[];
}

export interface ExportedDocument {
  /** Suggested file name: `<key>.yaml` when split, else `fileName`. */
  name: string;
  unique_keys: string[];
  content: string;
}

export interface ExportNote {
  unique_key: string;
  message: string;
  /** With an environments block: the environment the note is about. */
  environment?: string;
}

/** A variable an entry of the environments block reads (its secret key, its host). */
export interface BlockVariable {
  name: string;
  environment: string;
  field: 'secret_key' | 'host';
  /** Has a default (`${NANGO_HOST_DEV:-https://api.nango.dev}`): need not be set. */
  optional: boolean;
}

/** What an export of several environments adds: their names, and the variables their entries read. */
export interface ExportedEnvironments {
  names: string[];
  variables: BlockVariable[];
}

export interface ExportResult {
  documents: ExportedDocument[];
  variables: ExportVariable[];
  /** Things the user must know about the output (unreadable credentials, values Nango does not hold). */
  notes: ExportNote[];
  /** Only for an export of environments declared in a config. */
  environments?: ExportedEnvironments;
}

export interface ExportOptions {
  /** One document per integration instead of one for all. */
  split: boolean;
  /** Where the `$schema` comment points, relative to the written file. */
  schemaRef: string;
  /** The credentials type a provider takes (from the catalog), for integrations whose credentials are unreadable. */
  credentialsTypeOf: (provider: string) => CredentialsType | undefined;
  /** Name of the single document when not split; default `integrations.yaml`. */
  fileName?: string;
}

export const SECRET_FIELDS: ReadonlySet<string> = new Set(['client_secret', 'webhook_secret', 'private_key']);
/** May be left out of a credentials block: Nango then keeps what it stores. */
const OPTIONAL_FIELDS: ReadonlySet<string> = new Set(['scopes', 'webhook_secret']);
const CREDENTIAL_TYPES: ReadonlySet<string> = new Set(Object.keys(CREDENTIAL_FIELDS));

/** Interpolation reads every string value, so a literal `$` must be written `$$`. */
function literal(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

function splitScopes(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function exportIntegrations(live: readonly LiveIntegration[], options: ExportOptions): ExportResult {
  const nameVariable = createVariableNamer();
  const nameFile = createFileNamer();
  const variables: ExportVariable[] = [];
  const notes: ExportNote[] = [];
  const sorted = [...live].sort((a, b) => (a.unique_key < b.unique_key ? -1 : a.unique_key > b.unique_key ? 1 : 0));

  const reference = (key: string, field: string): string => {
    const name = nameVariable(key, field);
    variables.push({ name, unique_key: key, path: `credentials.${field}`, secret: SECRET_FIELDS.has(field) });
    return `\${${name}}`;
  };

  const items = sorted.map((integration) => ({
    key: integration.unique_key,
    item: exportIntegration(integration, options, reference, (message) => notes.push({ unique_key: integration.unique_key, message })),
  }));

  const documents: ExportedDocument[] = options.split
    ? items.map(({ key, item }) => ({ name: nameFile(key), unique_keys: [key], content: renderDocument([item], options.schemaRef) }))
    : [{ name: options.fileName ?? 'integrations.yaml', unique_keys: items.map((i) => i.key), content: renderDocument(items.map((i) => i.item), options.schemaRef) }];
  return { documents, variables, notes };
}

export type Item = Record<string, unknown>;

/** What stands in for a value export must not or cannot write; `value`: the live value, when there is one. */
export type Reference = (key: string, field: string, value?: string) => unknown;

/** One integration as config, secret values replaced by what `reference` returns for them. */
export function exportIntegration(live: LiveIntegration, options: Pick<ExportOptions, 'credentialsTypeOf'>, reference: Reference, note: (message: string) => void): Item {
  const key = live.unique_key;
  const item: Item = { unique_key: literal(key), provider: literal(live.provider) };
  if (live.display_name !== '') item['display_name'] = literal(live.display_name);
  item['forward_webhooks'] = live.forward_webhooks;

  const creds = live.credentials;
  if (creds === null) return item;
  if (creds === 'unreadable' || creds === 'not-fetched') {
    const type = options.credentialsTypeOf(live.provider);
    if (type === undefined) return item;
    const block: Item = { type };
    for (const field of CREDENTIAL_FIELDS[type]) {
      if (!OPTIONAL_FIELDS.has(field)) block[field] = reference(key, field);
    }
    item['credentials'] = block;
    note('credentials could not be read (the secret key lacks the environment:integrations:read_credentials scope): every credentials value is a ${…} reference; scopes and webhook_secret were left out, so Nango keeps the stored ones');
    return item;
  }

  const values = creds as unknown as Record<string, unknown>;
  const type = values['type'];
  if (typeof type !== 'string' || !CREDENTIAL_TYPES.has(type)) {
    note(`credentials of type ${typeof type === 'string' ? type : 'unknown'} cannot be written as config: left out (not managed)`);
    return item;
  }
  const block: Item = { type };
  for (const field of CREDENTIAL_FIELDS[type as CredentialsType]) {
    const value = values[field];
    const present = typeof value === 'string' && value !== '';
    if (field === 'scopes') {
      // null: Nango stores no scopes of its own choosing to compare with; leaving them out keeps them.
      if (typeof value === 'string') block['scopes'] = splitScopes(value).map(literal);
    } else if (SECRET_FIELDS.has(field)) {
      if (present) block[field] = reference(key, field, value);
      else if (!OPTIONAL_FIELDS.has(field)) {
        block[field] = reference(key, field);
        note(`Nango holds no credentials.${field}: set the variable to the value the integration should have`);
      }
    } else if (present) {
      block[field] = literal(value);
    } else if (!OPTIONAL_FIELDS.has(field)) {
      block[field] = reference(key, field);
      note(`Nango holds no credentials.${field}: set the variable to the value the integration should have`);
    }
  }
  item['credentials'] = block;
  return item;
}

/** `items` undefined: a document without integrations; `head`: top-level entries before them (settings, environments). */
export function renderDocument(items: Item[] | undefined, schemaRef: string, head: readonly Pair[] = []): string {
  const doc = new Document(items === undefined ? {} : { integrations: items });
  doc.commentBefore = ` yaml-language-server: $schema=${schemaRef}\n Exported by nango-gitops export. Secret values are \${…} references: set those variables before plan.`;
  if (isMap(doc.contents)) doc.contents.items.unshift(...head);
  // Scopes and environment lists read best on one line, as in hand-written config.
  const list = doc.get('integrations', true);
  if (isSeq(list)) {
    visit(list, {
      Pair(_, pair) {
        if (isScalar(pair.key) && (pair.key.value === 'scopes' || pair.key.value === 'environments') && isSeq(pair.value)) pair.value.flow = true;
      },
    });
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
